"""Bounded types for the API's parameters: what a database column or a page can hold.

An id above 2**63 - 1 does not fit a BIGINT (OverflowError on SQLite, an out-of-range error on
PostgreSQL), a negative offset is no slice, a year outside 1900-2100 is no one's rota: each is
refused by the schema with a 422 naming the field, before any query runs.
"""

import datetime as dt
from typing import Annotated

from pydantic import Field

MAX_ID = 2**63 - 1
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Offset = Annotated[int, Field(ge=0, le=10**9)]
Limit = Annotated[int, Field(ge=1, le=500)]
# a search box: no NUL byte (PostgreSQL refuses it in text), no essay
SearchText = Annotated[str, Field(max_length=200, pattern=r"^[^\x00]*$")]
