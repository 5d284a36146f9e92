import json

from pimm.accounts.services import api_token_create
from pimm.registry import models as m


def _auth(world, persona="coordinator"):
    _t, raw = api_token_create(user=world.users[persona], name="t")
    return {"Authorization": f"Bearer {raw}"}


def test_openapi_schema_is_served_to_signed_in_users_only(client_for):
    schema = client_for("secretary_a").get("/api/openapi.json").json()
    assert "/api/registry/site" in schema["paths"]
    anonymous = client_for(None)
    for path in ("/api/openapi.json", "/api/docs"):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/comptes/connexion/" in response["Location"]


def test_create_site_and_read_it_back(world, client):
    body = {
        "member": world.member_a.pk,
        "code": "API1",
        "name": "Site API",
        "town": "Lyon",
        "departement": "69",
        "latitude": 45.75,
        "longitude": 4.85,
    }
    headers = _auth(world, "manager_a")
    created = client.post(
        "/api/registry/site",
        data=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    got = client.get(f"/api/registry/site/{pk}", headers=headers).json()
    assert got["name"] == "Site API" and got["member"] == world.member_a.pk


def test_bad_siren_is_422_with_the_field(world, client):
    response = client.patch(
        f"/api/registry/member/{world.member_a.pk}",
        data=json.dumps({"siren": "123456789"}),
        content_type="application/json",
        headers=_auth(world),
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["body", "siren"] and "SIREN invalide" in detail[0]["msg"]
    world.member_a.refresh_from_db()
    assert world.member_a.siren != "123456789"


def test_keys_not_summing_to_100_is_422(world, client, draft_convention):
    keys = [
        {"member_id": k.member_id, "time_share": "50", "revenue_share": "50", "cost_share": "50"}
        for k in world.convention.sharing_keys.all()
    ]
    response = client.put(
        f"/api/registry/convention/{world.convention.pk}/keys",
        data=json.dumps(keys),
        content_type="application/json",
        headers=_auth(world),
    )
    assert response.status_code == 422
    assert {d["loc"][1] for d in response.json()["detail"]} == {
        "time_share",
        "revenue_share",
        "cost_share",
    }
    assert all(k.time_share != 50 for k in m.SharingKey.objects.all())


def test_authorization_ending_before_start_is_422(world, client):
    body = {
        "equipment": world.equipment_a.pk,
        "number": "ARS-X",
        "decided_on": "2026-01-01",
        "starts_on": "2026-01-01",
        "ends_on": "2025-12-31",
    }
    response = client.post(
        "/api/registry/authorization",
        data=json.dumps(body),
        content_type="application/json",
        headers=_auth(world),
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "ends_on"]
    assert not m.Authorization.objects.filter(number="ARS-X").exists()


def test_reviewer_cannot_write_through_api(world, client):
    response = client.patch(
        f"/api/registry/site/{world.site_a.pk}",
        data=json.dumps({"name": "x"}),
        content_type="application/json",
        headers=_auth(world, "reviewer"),
    )
    assert response.status_code == 404
    world.site_a.refresh_from_db()
    assert world.site_a.name != "x"
