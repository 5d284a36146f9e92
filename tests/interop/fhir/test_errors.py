"""Every error is an OperationOutcome in application/fhir+json with a French diagnostic:
400 bad search parameter, 401, 404, 405 for writes, 406 and 415 for wrong formats."""

import pytest
from django.test import Client

from tests.interop.fhir.conftest import check_fhir


def _outcome(response, status: int) -> str:
    assert response.status_code == status, response.content[:300]
    body = check_fhir(response)
    assert body["resourceType"] == "OperationOutcome"
    issue = body["issue"][0]
    assert issue["severity"] == "error"
    return issue["diagnostics"]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("foo=1", "non pris en charge"),
        ("name=Martin", "non pris en charge"),
        ("date=2027-13-01", "Date inexistante"),
        ("date=27-01-12", "Date invalide"),
        ("date=2027-02-30", "Date inexistante"),
        ("date=sa2027-01-12", "Préfixe de date"),
        ("date=ge1800-01-01", "L'année"),
        ("date=ge2027-01-12T10:00%2B25:00", "Date inexistante"),
        ("date=", "Valeur vide"),
        ("status=draft", "Statut « draft » inconnu"),
        ("_count=-1", "entier positif"),
        ("_count=abc", "entier positif"),
        ("_count=1&_count=2", "qu'une fois"),
        ("_offset=1e3", "entier positif"),
        ("_id=a%20b", "Identifiant de ressource invalide"),
        ("identifier=urn:x%7C", "système|valeur"),
        ("identifier=" + "x" * 300, "Valeur vide ou invalide"),
        ("identifier=a%00b", "Valeur vide ou invalide"),
    ],
)
def test_a_bad_search_parameter_is_a_400(client_for, query, words):
    diagnostics = _outcome(client_for("coordinator").get(f"/fhir/ServiceRequest?{query}"), 400)
    assert words in diagnostics


def test_status_or_date_on_a_type_without_them_is_a_400(client_for):
    client = client_for("coordinator")
    assert "non pris en charge" in _outcome(client.get("/fhir/Organization?status=active"), 400)
    assert "non pris en charge" in _outcome(client.get("/fhir/Patient?date=2027"), 400)


def test_signed_out_is_a_401_with_a_challenge(world):
    for url in ("/fhir/Patient", "/fhir/Patient/1", "/fhir/Patient/_search"):
        response = Client().get(url)
        assert "Authentification requise" in _outcome(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "url",
    [
        "/fhir/Observation",
        "/fhir/Observation/1",
        "/fhir/Patient/999999999",
        "/fhir/Patient/abc",
        "/fhir/Patient/12345678901234567890123",
        "/fhir/Organization/member-999999",
        "/fhir/Patient/1/_history",
        "/fhir/Patient/_search",
    ],
)
def test_an_unknown_type_id_or_path_is_a_404(client_for, url):
    _outcome(client_for("coordinator").get(url), 404)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", ["/fhir/Patient", "/fhir/Patient/1", "/fhir/metadata"])
def test_every_write_is_a_405(client_for, method, url):
    for persona in (None, "coordinator"):
        client = client_for(persona)
        response = getattr(client, method)(url, data="{}", content_type="application/fhir+json")
        assert "lecture seule" in _outcome(response, 405)


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({"HTTP_ACCEPT": "application/fhir+xml"}, ""),
        ({"HTTP_ACCEPT": "text/html"}, ""),
        ({"HTTP_ACCEPT": "application/fhir+json;q=0, application/xml"}, ""),
        ({}, "?_format=xml"),
        ({}, "?_format=application/fhir%2Bxml"),
    ],
)
def test_another_format_is_a_406(client_for, headers, query):
    client = client_for("coordinator")
    for url in ("/fhir/Location", "/fhir/metadata", "/fhir/Location/1"):
        assert "JSON" in _outcome(client.get(url + query, **headers), 406)


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({"HTTP_ACCEPT": "application/fhir+json"}, ""),
        ({"HTTP_ACCEPT": "application/json"}, ""),
        ({"HTTP_ACCEPT": "text/html, */*;q=0.1"}, ""),
        ({}, "?_format=json"),
        ({}, "?_format=application/fhir%2Bjson"),
    ],
)
def test_json_in_any_spelling_is_served(client_for, headers, query):
    response = client_for("coordinator").get("/fhir/Location" + query, **headers)
    assert response.status_code == 200
    assert check_fhir(response)["resourceType"] == "Bundle"


def test_a_search_post_that_is_not_a_form_is_a_415(client_for):
    response = client_for("coordinator").post(
        "/fhir/Patient/_search", data='{"_id": "1"}', content_type="application/json"
    )
    assert "formulaire" in _outcome(response, 415)


def test_a_session_waiting_for_its_second_factor_gets_an_operation_outcome(world, settings):
    settings.PIMM_REQUIRE_2FA_ROLES = ["coordinator"]
    client = Client()
    client.force_login(world.users["coordinator"])
    response = client.get("/fhir/Location")
    assert "Double authentification" in _outcome(response, 403)
