"""Bad input never gives a 500: the pages' query parameters and the registry forms, driven by
hypothesis with the values the field sends (years 0 or 10000, dates 0001-01-01 or 9999-12-31, ids
of 2**70, negative numbers, NUL bytes, huge strings); each gets a French 400 naming the parameter.
"""

import datetime as dt

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pimm.input_guard import BadInput, check_value
from pimm.registry.screens import SCREENS

HOSTILE = st.one_of(
    st.sampled_from(
        [
            "0",
            "-1",
            "10000",
            str(2**70),
            "0001-01-01",
            "9999-12-31",
            "0000-01-01",
            "2026-02-30",
            "10000-01",
            "0000-13",
            "NaN",
            "inf",
            "\x00",
            "a\x00b",
            "x" * 131_072,
            "",
            "é",
        ]
    ),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.dates().map(dt.date.isoformat),
    st.text(max_size=40),
)
BOUNDED = settings(
    max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)


@given(
    name=st.sampled_from(["annee", "mois", "date", "start", "praticien", "q", "x"]), value=HOSTILE
)
@BOUNDED
def test_the_guard_only_ever_refuses_with_a_named_french_reason(name, value):
    try:
        check_value(name, value, query=True)
    except BadInput as bad:
        assert bad.name == name and bad.message


@pytest.mark.parametrize(
    "url,name,value",
    [
        ("oncall:fairness", "annee", "0"),
        ("oncall:fairness", "annee", "10000"),
        ("oncall:fairness", "annee", str(2**70)),
        ("planning:calendar", "date", "0001-01-01"),
        ("planning:calendar", "date", "9999-12-31"),
        ("planning:indicators", "start", "0001-01-01"),
        ("registry:site_list", "q", "a" * 131_072),
        ("planning:booking_list", "q", "a" * 131_072),
        ("accounts:audit", "q", "a" * 131_072),
        ("oncall:wishes", "praticien", "x"),
        ("oncall:wishes", "praticien", "\x00"),
        ("planning:booking_create", "slot", "x"),
    ],
)
@pytest.mark.django_db
def test_known_500s_are_french_400s_naming_the_parameter(client_for, url, name, value):
    persona = "coordinator" if url in ("oncall:wishes", "planning:booking_create") else "reviewer"
    response = client_for(persona).get(reverse(url), {name: value})
    assert response.status_code == 400
    body = response.content.decode()
    assert f"« {name} »" in body and "invalide" in body


@pytest.mark.django_db
def test_an_id_beyond_bigint_in_a_path_is_not_found(client_for):
    client = client_for("reviewer")
    assert client.get(f"/registre/site/{2**70}/").status_code == 404
    api = client.get(f"/api/registry/site/{2**70}")
    assert api.status_code in (404, 422) and api["Content-Type"].startswith("application/json")


@pytest.mark.django_db
def test_api_query_parameters_are_refused_as_json_naming_the_field(client_for):
    response = client_for("reviewer").get(
        "/api/planning/slots", {"equipment": 1, "start": "0001-01-01"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "start"]


PAGES = ["oncall:fairness", "planning:calendar", "planning:indicators", "planning:booking_list"]


@pytest.mark.django_db
@given(
    page=st.sampled_from(PAGES),
    name=st.sampled_from(["annee", "mois", "date", "start", "end", "q", "page", "view", "site"]),
    value=HOSTILE,
)
@BOUNDED
def test_pages_answer_every_query_value_without_a_500(client_for, page, name, value):
    response = client_for("reviewer").get(reverse(page), {name: value})
    assert response.status_code < 500, (page, name, value[:40])


def _field_values(form_class):
    fields = form_class.base_fields
    return st.fixed_dictionaries(dict.fromkeys(fields, HOSTILE))


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(SCREENS))
def test_registry_forms_refuse_bad_values_without_crashing(world, key):
    screen = SCREENS[key]
    user = world.users["coordinator"]

    @given(data=_field_values(screen.form))
    @BOUNDED
    def run(data):
        form = screen.form(data=data, user=user)
        form.is_valid()  # may refuse, must not raise

    run()


@pytest.mark.django_db
def test_a_nul_byte_in_a_json_body_is_refused_naming_the_field(client_for, world):
    response = client_for("coordinator").patch(
        f"/api/registry/site/{world.site_a.pk}",
        data='{"name": "A\\u0000B"}',
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "name"]
