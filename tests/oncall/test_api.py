"""On-call JSON API: every role on every read, own unavailabilities, swaps proposed and
accepted through the same services, 422 with French field errors and nothing written."""

import json

import pytest

from pimm.accounts.models import AuditEvent
from pimm.accounts.services import api_token_create
from pimm.engine.rota.checker import GiveAway, check_change
from pimm.oncall import services
from pimm.oncall.adapter import build_problem, current_assignments
from pimm.oncall.models import Rota, RotaAssignment, SwapRequest, Unavailability
from pimm.registry.models import Practitioner
from tests import clock
from tests.personas import SIGNED_IN as PERSONAS

from .conftest import assert_legal
from .test_services import _legal_swap

pytestmark = pytest.mark.django_db


def _call(client, user):
    _token, raw = api_token_create(user=user, name="test")
    headers = {"Authorization": f"Bearer {raw}"}

    def call(method, url, body=None):
        kwargs = {"headers": headers}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)("/api/oncall" + url, **kwargs)

    return call


@pytest.fixture
def draft(world):
    return services.rota_create(
        actor=world.users["coordinator"],
        platform=world.platform,
        start=clock.day(3, 1),
        end=clock.day(3, 3),
    )


def _msgs(response, field):
    return [d["msg"] for d in response.json()["detail"] if d["loc"][-1] == field]


def test_every_role_on_every_read(world, client, published, draft):
    managers = {"coordinator", "administrator"}
    expected = {
        "/lines": {p: 200 if p in managers | {"reviewer"} else 403 for p in PERSONAS},
        "/rotas": dict.fromkeys(PERSONAS, 200),
        f"/rotas/{published.pk}": dict.fromkeys(PERSONAS, 200),
        f"/rotas/{draft.pk}": {p: 200 if p in managers else 404 for p in PERSONAS},
        "/my/duties": {p: 200 if p == "radiologist_a" else 403 for p in PERSONAS},
        "/unavailabilities": {
            p: 200 if p in managers | {"radiologist_a"} else 403 for p in PERSONAS
        },
        "/swaps": {
            p: 200 if p in managers | {"reviewer", "radiologist_a"} else 403 for p in PERSONAS
        },
    }
    for url, want in expected.items():
        got = {p: _call(client, world.users[p])("get", url).status_code for p in PERSONAS}
        assert got == want, url
    assert client.get("/api/oncall/rotas").status_code == 401
    # drafts are listed to coordinators only; the published rota comes with all its duties
    for persona in PERSONAS:
        ids = {r["id"] for r in _call(client, world.users[persona])("get", "/rotas").json()}
        assert (draft.pk in ids) == (persona in managers) and published.pk in ids
    body = _call(client, world.users["reviewer"])("get", f"/rotas/{published.pk}").json()
    assert body["status"] == "published"
    assert len(body["duties"]) == published.shifts.count()
    assert all(d["points"] > 0 for d in body["duties"])


def test_my_duties_are_mine_and_published(world, client, published):
    me = Practitioner.objects.get(user=world.users["radiologist_a"])
    duties = _call(client, world.users["radiologist_a"])("get", "/my/duties").json()
    held = RotaAssignment.objects.filter(practitioner=me, shift__rota__status="published")
    assert len(duties) == held.count()
    assert {d["practitioner_id"] for d in duties} <= {me.pk}


def test_own_unavailabilities_created_deleted_and_bad_input_refused(world, client):
    user = world.users["radiologist_a"]
    me = Practitioner.objects.get(user=user)
    call = _call(client, user)
    created = call(
        "post",
        "/unavailabilities",
        {"start": clock.day(3, 1).isoformat(), "end": clock.day(3, 5).isoformat()},
    )
    assert created.status_code == 201, created.content
    row = created.json()
    assert row["practitioner_id"] == me.pk and row["reason"] == "congés"
    assert AuditEvent.objects.filter(model="unavailability", object_id=str(row["id"])).exists()
    assert [u["id"] for u in call("get", "/unavailabilities").json()] == [row["id"]]

    # end before start: 422 on the field, in French, nothing written
    bad = call(
        "post",
        "/unavailabilities",
        {"start": clock.day(3, 5).isoformat(), "end": clock.day(3, 1).isoformat()},
    )
    assert bad.status_code == 422
    assert _msgs(bad, "end") == ["La fin précède le début."]
    # not a date: ninja's schema refuses it before anything runs
    assert call("post", "/unavailabilities", {"start": "2027-02-30", "end": "x"}).status_code == 422
    # someone else's leave: forbidden
    other = Practitioner.objects.exclude(pk=me.pk).filter(active=True).first()
    body = {
        "start": clock.day(3, 1).isoformat(),
        "end": clock.day(3, 2).isoformat(),
        "practitioner": other.pk,
    }
    assert call("post", "/unavailabilities", body).status_code == 403
    assert Unavailability.objects.count() == 1
    # deleting someone else's: 404; own: 204 and gone
    theirs = services.unavailability_create(
        actor=world.users["coordinator"],
        practitioner=other,
        start=clock.day(4, 1),
        end=clock.day(4, 2),
    )
    assert call("delete", f"/unavailabilities/{theirs.pk}").status_code == 404
    assert call("delete", f"/unavailabilities/{row['id']}").status_code == 204
    assert list(Unavailability.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_coordinator_enters_leave_for_a_named_practitioner(world, client):
    call = _call(client, world.users["coordinator"])
    missing = call(
        "post",
        "/unavailabilities",
        {"start": clock.day(3, 1).isoformat(), "end": clock.day(3, 2).isoformat()},
    )
    assert missing.status_code == 422 and _msgs(missing, "practitioner")
    body = {
        "start": clock.day(3, 1).isoformat(),
        "end": clock.day(3, 2).isoformat(),
        "practitioner": world.practitioner_b.pk,
    }
    assert call("post", "/unavailabilities", body).status_code == 201
    assert Unavailability.objects.filter(practitioner=world.practitioner_b).count() == 1
    reviewer = _call(client, world.users["reviewer"])
    assert reviewer("post", "/unavailabilities", body).status_code == 403
    assert Unavailability.objects.count() == 1


def test_swap_proposed_and_accepted_through_the_api(world, client, published, radiologist_user):
    a, b = _legal_swap(published)
    pa, pb = a.assignment.practitioner, b.assignment.practitioner
    ua, ub = radiologist_user(pa), radiologist_user(pb)
    proposed = _call(client, ua)("post", "/swaps", {"shift": a.pk, "other_shift": b.pk})
    assert proposed.status_code == 201, proposed.content
    swap = proposed.json()
    assert (swap["kind"], swap["status"], swap["to_practitioner_id"]) == ("swap", "proposed", pb.pk)
    # the proposer cannot accept, a stranger does not even see it
    assert _call(client, ua)("post", f"/swaps/{swap['id']}/accept").status_code == 403
    stranger = _call(client, world.users["radiologist_a"])
    if world.users["radiologist_a"] not in (ua, ub):
        assert stranger("post", f"/swaps/{swap['id']}/accept").status_code == 404
    accepted = _call(client, ub)("post", f"/swaps/{swap['id']}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "applied"
    assert RotaAssignment.objects.get(shift=a).practitioner == pb
    assert RotaAssignment.objects.get(shift=b).practitioner == pa
    assert_legal(published)
    assert [s["id"] for s in _call(client, ub)("get", "/swaps").json()] == [swap["id"]]


def test_illegal_or_malformed_swaps_answer_422_and_write_nothing(
    world, coordinator, client, upcoming, radiologist_user
):
    published = upcoming  # every shift still to come
    shift = published.shifts.select_related("assignment__practitioner").first()
    holder = shift.assignment.practitioner
    other = (
        Practitioner.objects.filter(active=True, member__platform=world.platform)
        .exclude(pk=holder.pk)
        .first()
    )
    services.unavailability_create(
        actor=coordinator, practitioner=other, start=shift.date, end=shift.date
    )
    expected = check_change(
        build_problem(published, include_previous=False),
        current_assignments(published),
        GiveAway(shift.key, str(other.pk)),
    )
    call = _call(client, radiologist_user(holder))
    refused = call("post", "/swaps", {"shift": shift.pk, "to_practitioner": other.pk})
    assert refused.status_code == 422
    assert _msgs(refused, "__all__") == expected
    neither = call("post", "/swaps", {"shift": shift.pk})
    assert neither.status_code == 422 and "Choisissez" in " ".join(_msgs(neither, "__all__"))
    not_mine = published.shifts.exclude(assignment__practitioner=holder).first()
    theirs = call("post", "/swaps", {"shift": not_mine.pk, "to_practitioner": other.pk})
    assert theirs.status_code == 422 and _msgs(theirs, "shift")
    assert not SwapRequest.objects.exists()
    assert RotaAssignment.objects.get(shift=shift).practitioner == holder
    # a coordinator proposes nothing (no duty of their own) and a draft is never swapped
    assert _call(client, coordinator)("post", "/swaps", {"shift": shift.pk}).status_code == 403
    Rota.objects.filter(pk=published.pk).update(status=Rota.Status.READY)
    gone = call("post", "/swaps", {"shift": shift.pk, "to_practitioner": other.pk})
    assert gone.status_code == 422 and _msgs(gone, "shift")


def test_weights_read_by_readers_and_set_by_coordinator_only(world, client):
    from pimm.oncall.models import PointWeights

    got = _call(client, world.users["radiologist_a"])("get", "/weights")
    assert got.status_code == 200 and got.json()["weeknight"] == 1.0
    assert _call(client, world.users["secretary_a"])("get", "/weights").status_code == 403
    body = {"weekend_night": "2,5", "astreinte_percent": 60}
    assert _call(client, world.users["reviewer"])("put", "/weights", body).status_code == 403
    coordinator = _call(client, world.users["coordinator"])
    bad = coordinator("put", "/weights", {"weeknight": 0})
    assert bad.status_code == 422 and _msgs(bad, "weeknight")
    assert "Assurez-vous" in _msgs(bad, "weeknight")[0]
    assert not PointWeights.objects.exists()
    done = coordinator("put", "/weights", body)
    assert done.status_code == 200, done.content
    assert (done.json()["weekend_night"], done.json()["astreinte_percent"]) == (2.5, 60)
    stored = PointWeights.objects.get()
    assert (float(stored.weekend_night), stored.astreinte_percent, float(stored.weeknight)) == (
        2.5,
        60,
        1.0,
    )
