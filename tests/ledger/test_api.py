"""The ledger API with the platform's bearer tokens (``accounts.api_auth.TokenAuth``): a token
reads what its user may read, an idempotent write replays under the token's user, no token or a
revoked one answers 401."""

from pimm.accounts.services import api_token_create, api_token_revoke
from pimm.ledger import models as lm
from pimm.registry import models as m


def bearer(world, persona):
    token, raw = api_token_create(user=world.users[persona], name="ledger")
    return token, {"Authorization": f"Bearer {raw}"}


def test_without_a_token_the_ledger_api_answers_401(client, closed):
    assert client.get("/api/ledger/periods").status_code == 401
    assert (
        client.get("/api/ledger/periods", headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    r = client.post(f"/api/ledger/periods/{closed.pk}/close", headers={"Idempotency-Key": "x"})
    assert r.status_code == 401
    assert not lm.IdempotencyRecord.objects.exists()


def test_a_managers_token_reads_only_their_members_statement(world, client, closed):
    _token, h = bearer(world, "manager_a")
    rows = client.get(f"/api/ledger/periods/{closed.pk}/statements", headers=h).json()
    assert [r["member_id"] for r in rows] == [world.member_a.pk]
    entries = client.get(f"/api/ledger/periods/{closed.pk}/entries?limit=5000", headers=h).json()
    assert entries and {e["member_id"] for e in entries} == {world.member_a.pk}
    refused = client.post(
        f"/api/ledger/periods/{closed.pk}/allocate", headers={**h, "Idempotency-Key": "m1"}
    )
    assert refused.status_code == 403
    _token, ars = bearer(world, "reviewer")
    every = client.get(f"/api/ledger/periods/{closed.pk}/statements", headers=ars).json()
    assert sorted(r["member_id"] for r in every) == sorted(
        m.Member.objects.values_list("pk", flat=True)
    )


def test_a_token_write_is_idempotent_and_a_revoked_token_is_refused(world, client, period):
    token, h = bearer(world, "coordinator")
    body = {"kind": "cost", "category": "it", "label": "RIS", "amount": "80.00", "basis": "fixed"}
    url = f"/api/ledger/periods/{period.pk}/cost-lines"
    kw = {"content_type": "application/json", "headers": {**h, "Idempotency-Key": "t1"}}
    first, again = client.post(url, body, **kw), client.post(url, body, **kw)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert lm.CostLine.objects.filter(period=period, label="RIS").count() == 1
    record = lm.IdempotencyRecord.objects.get(key="t1")
    assert record.user == world.users["coordinator"]
    api_token_revoke(user=world.users["coordinator"], token_id=token.pk)
    assert client.post(url, body, **kw).status_code == 401
