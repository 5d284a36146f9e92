"""Generated search parameters (hypothesis): whatever the names and values (FHIR-looking
dates and prefixes, ids, identifiers, text with NUL bytes or any Unicode), every answer is a
200 Bundle or a 400 OperationOutcome, valid FHIR in application/fhir+json; never a 500."""

import json
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pimm.interop.fhir.catalog import KINDS
from tests.interop.fhir.conftest import check_fhir

NAMES = ["_id", "identifier", "date", "status", "_count", "_offset", "start", "authored",
         "started", "issued", "_format", "name", "_sort", ""]  # fmt: skip
PREFIXES = ["", "eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap", "xx"]
dates = st.builds(
    lambda p, y, m, d, rest: f"{p}{y:04d}-{m:02d}-{d:02d}{rest}",
    st.sampled_from(PREFIXES),
    st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
    st.sampled_from(["", "T10:00", "T10:00:00Z", "T23:59:59+14:00", "T24:00-12:00", "T10"]),
)
values = st.one_of(
    dates,
    st.text(max_size=30),
    st.integers(-(2**70), 2**70).map(str),
    st.builds(lambda a, b: f"{a}|{b}", st.text(max_size=15), st.text(max_size=15)),
    st.sampled_from(["active", "final", "free", "busy", "registered", "json", "xml", "0"]),
)
params = st.lists(st.tuples(st.sampled_from(NAMES), values), max_size=4)


@pytest.mark.django_db
@settings(
    max_examples=120, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
@given(kind=st.sampled_from(sorted(KINDS)), query=params)
def test_no_search_gives_a_500(client_for, world, kind, query):
    response = client_for("coordinator").get(f"/fhir/{kind}?{urlencode(query)}")
    assert response.status_code in (200, 400, 406), (kind, query, response.content[:300])
    body = check_fhir(response)
    if response.status_code == 200:
        assert body["resourceType"] == "Bundle"
        assert body["total"] >= len(body.get("entry", []))
    else:
        assert body["resourceType"] == "OperationOutcome", json.dumps(body)[:300]
