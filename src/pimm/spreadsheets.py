"""Every CSV and XLSX pimm writes goes through here, so no cell is ever read as a formula.

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel and LibreOffice (``=HYPERLINK(...)`` in a practitioner's name, opened by another member or the
ARS). In CSV such a cell is prefixed with an apostrophe (OWASP's advice); in XLSX it is written as a
string with Excel's quote prefix, so it shows as typed and is never evaluated. Numbers (int, float,
Decimal, and text that is exactly a number such as ``-12,5``) stay numbers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?")


def is_formula_like(value: Any) -> bool:
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_PREFIXES)
        and not _NUMBER.fullmatch(value)
    )


def csv_cell(value: Any) -> Any:
    """The value as a CSV cell that no spreadsheet evaluates."""
    if is_formula_like(value):
        return "'" + value
    return value


class SafeCsvWriter:
    """``csv.writer`` whose every text cell is neutralised (same ``writerow``/``writerows``)."""

    def __init__(self, fileobj, **kwargs):
        self._writer = csv.writer(fileobj, **kwargs)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([csv_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(fileobj, **kwargs) -> SafeCsvWriter:
    return SafeCsvWriter(fileobj, **kwargs)


def xlsx_append(ws, row: Iterable[Any]) -> None:
    """Append a row to an openpyxl worksheet; formula-like text is stored as quoted text."""
    values = list(row)
    ws.append([v if not is_formula_like(v) else "" for v in values])
    r = ws.max_row
    for col, value in enumerate(values, start=1):
        if is_formula_like(value):
            cell = ws.cell(row=r, column=col)
            cell.value = value
            cell.data_type = "s"  # never "f": openpyxl reads a leading "=" as a formula
            cell.quotePrefix = True
        elif isinstance(value, Decimal):
            ws.cell(row=r, column=col).value = float(value)


def new_workbook():
    from openpyxl import Workbook  # noqa: PLC0415 — openpyxl loads only for an XLSX

    return Workbook()
