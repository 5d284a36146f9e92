"""A search page costs the same number of queries with 5 rows as with 100 (no N+1), for each
type; the patient's identity check is the one per-row read, and only for a radiologist."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pimm.interop.fhir.catalog import KINDS
from tests.interop.fhir.conftest import ids


def _queries(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), len(ids(json.loads(response.content)))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_page_of_100_costs_what_a_page_of_5_does(clinic, client_for, kind):
    client = client_for("coordinator")
    client.get(f"/fhir/{kind}?_count=1")  # the session and the user, once
    few, rows_few = _queries(client, f"/fhir/{kind}?_count=5")
    many, rows_many = _queries(client, f"/fhir/{kind}?_count=100")
    assert rows_many > rows_few or rows_many == rows_few < 5, kind
    assert many == few, (kind, few, many)
