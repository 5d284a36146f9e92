"""Set-up pages: priority classes (coordinator, administrator) and the presence plan (also the
member managers, for their own member's radiologists only); every change audited."""

import pytest
from django.utils import timezone

from pimm.accounts.models import AuditEvent
from pimm.oncall import models as om
from pimm.oncall.services import presence as oncall_presence
from pimm.registry import models as m
from pimm.worklist import services
from tests.personas import FORBIDDEN, HIDDEN, LOGIN, OK
from tests.worklist.conftest import T0, minutes

PAGES = ("classes", "class_edit", "presences", "presence_new", "presence_edit_a")
EXPECTED = {
    None: (LOGIN,) * 5,
    "coordinator": (OK,) * 5,
    "administrator": (OK,) * 5,
    "reviewer": (FORBIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN),
    "manager_a": (FORBIDDEN, HIDDEN, OK, OK, OK),
    "manager_b": (FORBIDDEN, HIDDEN, OK, OK, HIDDEN),
    "secretary_a": (FORBIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN),
    "technologist_a": (FORBIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN),
    "radiologist_a": (FORBIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN),
}


@pytest.fixture
def presence_a(world, make_reader):
    reader = make_reader(world.member_a, [world.site_a], present_from=T0)
    return om.ReaderPresence.objects.get(practitioner=reader)


@pytest.fixture
def presence_b(world, make_reader):
    reader = make_reader(world.member_b, [world.site_b], present_from=T0)
    return om.ReaderPresence.objects.get(practitioner=reader)


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_every_role_every_setup_page(persona, world, classes, presence_a, client_for):
    client = client_for(persona)
    urls = (
        "/lecture/reglages/classes/",
        f"/lecture/reglages/classes/{classes['emergency'].pk}/",
        "/lecture/reglages/presences/",
        "/lecture/reglages/presences/nouvelle/",
        f"/lecture/reglages/presences/{presence_a.pk}/",
    )
    got = tuple(client.get(u).status_code for u in urls)
    assert got == EXPECTED[persona], dict(zip(PAGES, got, strict=True))


def test_coordinator_changes_a_target_and_it_is_audited(world, classes, client_for):
    pc = classes["emergency"]
    url = f"/lecture/reglages/classes/{pc.pk}/"
    client = client_for("coordinator")
    r = client.post(url, {"label": "Urgence", "target_minutes": 45, "open_delay_minutes": 8})
    assert r.status_code == 302
    pc.refresh_from_db()
    assert (pc.target_minutes, pc.open_delay_minutes) == (45, 8)
    event = AuditEvent.objects.filter(model="priorityclass", object_id=str(pc.pk)).first()
    assert event.user_id == world.users["coordinator"].pk and event.action == "~"
    assert event.changes["target_minutes"][-1] == 45  # the demo load keeps no earlier record
    # the router reads the new target
    from pimm.engine.routing import Priority
    from pimm.worklist import inputs

    assert inputs.service_levels().target(Priority.EMERGENCY).total_seconds() == 45 * 60
    # bad input: a French error and nothing written
    page = client.post(url, {"label": "Urgence", "target_minutes": 30, "open_delay_minutes": 40})
    assert page.status_code == 200
    assert "plus court que le délai cible" in page.content.decode()
    pc.refresh_from_db()
    assert pc.target_minutes == 45


def test_manager_manages_own_member_presences_only(world, presence_a, presence_b, client_for):
    client = client_for("manager_a")
    listing = client.get("/lecture/reglages/presences/").content.decode()
    assert f"/lecture/reglages/presences/{presence_a.pk}/" in listing
    assert f"/lecture/reglages/presences/{presence_b.pk}/" not in listing
    # another member's radiologist: not a choice, nothing created
    before = om.ReaderPresence.objects.count()
    r = client.post(
        "/lecture/reglages/presences/nouvelle/",
        {
            "practitioner": presence_b.practitioner_id,
            "site": world.site_b.pk,
            "start": "2030-01-15T08:00",
            "end": "2030-01-15T18:00",
        },
    )
    assert r.status_code == 200 and om.ReaderPresence.objects.count() == before
    # another member's presence: hidden for edit and delete
    assert client.post(f"/lecture/reglages/presences/{presence_b.pk}/", {}).status_code == HIDDEN
    r = client.post(f"/lecture/reglages/presences/{presence_b.pk}/supprimer/")
    assert r.status_code == HIDDEN
    assert om.ReaderPresence.objects.filter(pk=presence_b.pk).exists()
    # their own radiologist: created, edited, deleted, each audited with the manager's name
    r = client.post(
        "/lecture/reglages/presences/nouvelle/",
        {
            "practitioner": presence_a.practitioner_id,
            "site": world.site_a.pk,
            "start": "2030-01-15T08:00",
            "end": "2030-01-15T18:00",
            "on_duty": "on",
        },
    )
    assert r.status_code == 302
    new = om.ReaderPresence.objects.latest("pk")
    assert new.on_duty and new.practitioner_id == presence_a.practitioner_id
    r = client.post(
        f"/lecture/reglages/presences/{new.pk}/",
        {
            "practitioner": presence_a.practitioner_id,
            "site": world.site_a.pk,
            "start": "2030-01-15T09:00",
            "end": "2030-01-15T18:00",
        },
    )
    assert r.status_code == 302
    new.refresh_from_db()
    assert not new.on_duty and timezone.localtime(new.start).hour == 9
    assert client.post(f"/lecture/reglages/presences/{new.pk}/supprimer/").status_code == 302
    assert not om.ReaderPresence.objects.filter(pk=new.pk).exists()
    actions = list(
        AuditEvent.objects.filter(model="readerpresence", object_id=str(new.pk))
        .order_by("at", "pk")
        .values_list("action", "user_id")
    )
    manager = world.users["manager_a"].pk
    assert actions == [("+", manager), ("~", manager), ("-", manager)]


def test_presence_bad_input_gets_a_french_error_and_writes_nothing(world, presence_a, client_for):
    client = client_for("coordinator")
    before = om.ReaderPresence.objects.count()
    base = {"practitioner": presence_a.practitioner_id, "site": world.site_a.pk}
    r = client.post(
        "/lecture/reglages/presences/nouvelle/",
        {**base, "start": "2030-01-15T18:00", "end": "2030-01-15T08:00"},
    )
    assert "La fin doit suivre le début." in r.content.decode()
    other_site = m.Site.objects.exclude(pk=world.site_a.pk).exclude(
        pk__in=presence_a.practitioner.sites.all()
    )[0]
    r = client.post(
        "/lecture/reglages/presences/nouvelle/",
        {**base, "site": other_site.pk, "start": "2030-01-15T08:00", "end": "2030-01-15T18:00"},
    )
    assert "pas de privilèges sur ce site" in r.content.decode()
    assert om.ReaderPresence.objects.count() == before
    # the edit of a valid row with bad input leaves the row as it was
    r = client.post(
        f"/lecture/reglages/presences/{presence_a.pk}/",
        {**base, "start": "2030-01-15T18:00", "end": "2030-01-15T08:00"},
    )
    assert r.status_code == 200
    presence_a.refresh_from_db()
    assert presence_a.start == T0


def test_presence_created_in_the_plan_is_used_by_the_router(world, make_reader, make_exam):
    reader = make_reader(world.member_a, [world.site_a])
    oncall_presence.presence_create(
        practitioner=reader, start=T0 - minutes(10), end=T0 + minutes(600), site=world.site_a
    )
    exam = make_exam(world.site_a, "inpatient")
    d = services.exam_route(exam_id=exam.pk, now=T0)
    assert d.reader_id == str(reader.pk)


def test_menu_shows_the_presence_plan_to_who_may_use_it(client_for):
    for persona, shown in (("coordinator", True), ("manager_a", True), ("secretary_a", False)):
        page = client_for(persona).get("/lecture/examens/").content.decode()
        assert ('href="/lecture/reglages/presences/"' in page) is shown, persona
    coordinator = client_for("coordinator").get("/lecture/reglages/presences/").content.decode()
    manager = client_for("manager_a").get("/lecture/reglages/presences/").content.decode()
    assert 'href="/lecture/reglages/classes/"' in coordinator
    assert 'href="/lecture/reglages/classes/"' not in manager
