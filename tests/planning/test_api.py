"""Planning API: bookings through the same services, refusals as 409 with the French reason."""

import json

from pimm.accounts.services import api_token_create
from pimm.planning import models as pm

from .conftest import free_slot


def _client(client, world, persona="coordinator"):
    _token, raw = api_token_create(user=world.users[persona], name="test")
    headers = {"Authorization": f"Bearer {raw}"}

    def call(method, url, body=None):
        kwargs = {"headers": headers}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(url, **kwargs)

    return call


def test_book_refuse_move_cancel_through_the_api(world, client, now):
    call = _client(client, world)
    slot = free_slot(after=now, member=world.member_a)
    body = {
        "order_reference": "API-1",
        "exam_type": "CT_HEAD",
        "patient_pseudonym": "PAT-API123",
        "member": world.member_a.pk,
        "slot": slot.pk,
    }
    created = call("post", "/api/planning/bookings", body)
    assert created.status_code == 201, created.content
    booking = created.json()
    assert booking["equipment_id"] == slot.equipment_id and booking["exam_type"] == "CT_HEAD"
    taken = call("post", "/api/planning/bookings", {**body, "order_reference": "API-2"})
    assert taken.status_code == 409 and taken.json()["code"] == "slot_taken"
    name = call("post", "/api/planning/bookings", {**body, "patient_pseudonym": "Jean Dupont"})
    assert name.status_code in (409, 422)
    listing = call(
        "get", f"/api/planning/slots?equipment={slot.equipment_id}&start={slot.start.date()}"
    )
    assert listing.status_code == 200
    row = next(r for r in listing.json() if r["id"] == slot.pk)
    assert row["free"] is False
    target = (
        pm.Slot.objects.filter(
            equipment=slot.equipment,
            booking__isnull=True,
            purpose="general",
            status="open",
            start__gt=slot.start,
            member=world.member_a,
        )
        .order_by("start")
        .first()
    )
    moved = call("post", f"/api/planning/bookings/{booking['id']}/move", {"slot": target.pk})
    assert moved.status_code == 200 and moved.json()["moves"] == 1
    cancelled = call(
        "post", f"/api/planning/bookings/{booking['id']}/cancel", {"reason": "doublon"}
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
