"""Each role's home page is their day: the attention contract, one block set per role, the
technologist's actions (move an exam, declare a breakdown) and who may do them."""

import datetime as dt

import pytest
import time_machine
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from pimm.accounts.attention import Attention, by_urgency
from pimm.oncall import selectors as oncall_selectors
from pimm.oncall.models import Rota
from pimm.planning import models as pm
from pimm.registry import models as m
from pimm.registry import selectors as registry_selectors
from pimm.web import francemap
from pimm.worklist import models as w
from pimm.worklist import selectors as worklist_selectors
from pimm.worklist import services as worklist_services
from tests import clock
from tests.personas import FORBIDDEN, HIDDEN, OK, PERSONAS, SIGNED_IN

# the block each role's home page opens with (its partial's first section id)
BLOCKS = {
    "coordinator": "authorisation",
    "administrator": "authorisation",
    "reviewer": "authorisation",
    "manager_a": "equipe",
    "secretary_a": "rdv-du-jour",
    "technologist_a": "mes-appareils",
    "radiologist_a": "ma-file",
}
OTHERS = set(BLOCKS.values())


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_each_role_gets_its_own_day(persona, world, client_for):
    html = client_for(persona).get("/").content.decode()
    own = BLOCKS[persona]
    assert f'id="{own}"' in html
    for other in OTHERS - {own}:
        assert f'id="{other}"' not in html, other
    if persona == "radiologist_a":  # no more "Membres (0)", empty table and blank map
        assert 'id="members"' not in html and "france-map" not in html


def test_attention_is_a_small_frozen_contract():
    a = Attention("x", 1, "/", "danger")
    with pytest.raises(AttributeError):
        a.count = 2  # frozen
    with pytest.raises(ValueError):
        Attention("x", 1, "/", "urgent")
    items = [Attention("i", 1, "", "info"), Attention("w", 1, "", "warning"), a]
    assert [i.level for i in by_urgency(items)] == ["danger", "warning", "info"]


def _exam(world, at, status=None):
    classes = {
        pc.code: pc for pc in worklist_services.priority_classes_ensure(platform=world.platform)
    }
    patient = worklist_services.patient_get_or_create(
        family_name="Jour", given_name="Test", birth_date=dt.date(1970, 1, 1), nir="170017500000100"
    )
    order = worklist_services.order_create(
        patient=patient, site=world.site_a, priority=classes["outpatient"], requested_at=at
    )
    return worklist_services.exam_create(order=order, modality="CT", scheduled_at=at)


def test_coordinator_sees_escalations_unfilled_duties_and_reports_due(world, client_for):
    upcoming = Rota.objects.get(status=Rota.Status.PUBLISHED, start=clock.month_start(1))
    exam = w.Exam.objects.filter(status=w.Exam.Status.ASSIGNED).first()
    w.Exam.objects.filter(pk=exam.pk).update(
        escalated_at=timezone.now(), deadline=timezone.now() - dt.timedelta(hours=1)
    )
    shift = upcoming.shifts.order_by("starts_at").first()
    shift.assignment.delete()
    items = worklist_selectors.attention(world.users["coordinator"], clock.TODAY)
    assert any("escaladé" in a.label and a.level == "danger" for a in items)
    assert any("retard" in a.label for a in items)
    duty = oncall_selectors.attention(world.users["coordinator"], clock.TODAY)
    unfilled = [a for a in duty if "non pourvue" in a.label]
    assert unfilled and unfilled[0].count >= 1 and unfilled[0].url == reverse("oncall:index")
    html = client_for("coordinator").get("/").content.decode()
    assert html.index('id="a-traiter"') < html.index('id="authorisation"')  # above the summary
    assert "escaladé" in html and "non pourvue" in html
    # nobody else is told about the platform's escalations or the rota's holes
    for persona in ("manager_a", "secretary_a", "technologist_a", "radiologist_a", "reviewer"):
        page = client_for(persona).get("/").content.decode()
        assert "non pourvue" not in page, persona
        if persona != "reviewer":
            assert "escaladé" not in page, persona


def test_ars_report_due_within_two_months_is_announced(world):
    due = world.platform.annual_report_due_dates()
    upcoming = [d for d in due if d >= clock.TODAY][0]
    items = registry_selectors.attention(
        world.users["coordinator"], upcoming - dt.timedelta(days=10)
    )
    assert any("Rapport d'étape" in a.label and a.level == "warning" for a in items)
    far = registry_selectors.attention(
        world.users["coordinator"], upcoming - dt.timedelta(days=200)
    )
    assert not any("Rapport d'étape" in a.label for a in far)
    assert not any(
        "Rapport d'étape" in a.label
        for a in registry_selectors.attention(
            world.users["secretary_a"], upcoming - dt.timedelta(days=10)
        )
    )


def test_radiologist_day_counts_the_queue_by_priority(world, client_for):
    me = world.users["radiologist_a"].practitioner
    exams = list(w.Exam.objects.filter(status=w.Exam.Status.ASSIGNED)[:3])
    w.Exam.objects.filter(pk__in=[e.pk for e in exams]).update(reader=me)
    html = client_for("radiologist_a").get("/").content.decode()
    assert f"Ma file de lecture ({len(exams)})" in html
    codes = {e.priority.code for e in exams}
    for code in codes:
        n = sum(e.priority.code == code for e in exams)
        label = next(e.priority.label for e in exams if e.priority.code == code)
        assert f'data-priority="{code}">{label} : {n}' in html
    assert (
        'id="mes-gardes"' in html
        and 'id="echanges-en-attente"' in html
        and 'id="critiques"' in html
    )


def _later_today() -> dt.datetime:
    """Within the hour, but still today (the suite also runs at 23:30)."""
    return min(clock.NOW + dt.timedelta(hours=1), clock.at(clock.TODAY, 23, 59))


def test_technologist_moves_todays_exam_from_the_home_page(world, client_for):
    exam = _exam(world, _later_today())
    client = client_for("technologist_a")
    html = client.get("/").content.decode()
    assert f'data-exam="{exam.pk}"' in html and 'value="arrived"' in html
    move = reverse("worklist:move", args=[exam.pk])
    response = client.post(move, {"to": "arrived", "next": "/"})
    assert (response.status_code, response["Location"]) == (302, "/")
    exam.refresh_from_db()
    assert exam.status == w.Exam.Status.ARRIVED
    # a foreign "next" is ignored: back to the exam page
    response = client.post(move, {"to": "in_progress", "next": "https://evil.example/"})
    assert response["Location"] == reverse("worklist:exam", args=[exam.pk])
    # another member's exam: 404, nothing moves
    other = _exam(world, _later_today())
    w.Exam.objects.filter(pk=other.pk).update(member=world.member_b)
    assert (
        client.post(reverse("worklist:move", args=[other.pk]), {"to": "arrived"}).status_code
        == HIDDEN
    )
    other.refresh_from_db()
    assert other.status == w.Exam.Status.SCHEDULED


BREAKDOWN = {  # closure page of a device held by member A, and of one held by member B
    None: (302, 302),
    "coordinator": (OK, OK),
    "administrator": (OK, OK),
    "reviewer": (FORBIDDEN, FORBIDDEN),
    "manager_a": (OK, FORBIDDEN),
    "secretary_a": (FORBIDDEN, FORBIDDEN),
    "technologist_a": (OK, FORBIDDEN),
    "radiologist_a": (FORBIDDEN, FORBIDDEN),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_declare_a_breakdown(persona, world, client_for):
    client = client_for(persona)
    got = tuple(
        client.get(reverse("planning:closure_create", args=[eq.pk])).status_code
        for eq in (world.equipment_a, world.equipment_b)
    )
    assert got == BREAKDOWN[persona]


def test_technologist_declares_a_breakdown_of_their_device(world, client_for):
    client = client_for("technologist_a")
    html = client.get("/").content.decode()
    url = reverse("planning:closure_create", args=[world.equipment_a.pk])
    assert (
        url in html and reverse("planning:closure_create", args=[world.equipment_b.pk]) not in html
    )
    start = clock.NOW.replace(second=0, microsecond=0) + dt.timedelta(minutes=5)  # still today
    data = {
        "kind": "closure",
        "start": start.strftime("%Y-%m-%dT%H:%M"),
        "end": (start + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "reason": "Panne du tube",
    }
    client.post(url, data)
    closure = pm.Closure.objects.get(equipment=world.equipment_a, reason="Panne du tube")
    assert closure.history.first().history_user == world.users["technologist_a"]  # audited
    html = client.get("/").content.decode()
    assert "Panne du tube" in html
    # not a device of theirs: refused, nothing written
    before = pm.Closure.objects.count()
    other = reverse("planning:closure_create", args=[world.equipment_b.pk])
    assert client.post(other, data).status_code == FORBIDDEN
    assert pm.Closure.objects.count() == before


def test_secretary_day_lists_todays_bookings_with_move_and_cancel(world, client_for):
    # the next free slot from an hour from now: later today, or (late evening, Sunday, a public
    # holiday) on a later day, where the test then stands an hour before it
    slot = (
        pm.Slot.objects.filter(
            plan__status="published",
            start__gte=clock.NOW + dt.timedelta(hours=1),
            booking__isnull=True,
            status="open",
            purpose="general",
        )
        .filter(Q(member=world.member_a) | Q(member__isnull=True))
        .select_related("equipment")
        .order_by("start")
        .first()
    )
    assert slot is not None, "the demo publishes free slots ahead"
    from pimm.planning import services  # noqa: PLC0415 — only this test books

    with time_machine.travel(slot.start - dt.timedelta(hours=1), tick=False):
        today = timezone.localdate()
        exam_type = pm.ExamType.objects.filter(modality=slot.equipment.modality).first()
        booking = services.booking_create(
            actor=world.users["secretary_a"],
            order_reference="JOUR-1",
            exam_type=exam_type,
            patient_pseudonym="PAT-JOUR01",
            member=world.member_a,
            slot=slot,
        )
        html = client_for("secretary_a").get("/").content.decode()
    assert f'data-booking="{booking.pk}"' in html and "JOUR-1" in html
    assert f"{booking.get_absolute_url()}#deplacer" in html
    # the whole week, Monday to Sunday
    monday = today - dt.timedelta(days=today.weekday())
    assert f"view=week&amp;date={monday.isoformat()}" in html
    assert "lundi → dimanche" in html


def test_manager_day_shows_staff_devices_duties_and_deviation(world, client_for):
    html = client_for("manager_a").get("/").content.decode()
    for p in m.Practitioner.objects.filter(member=world.member_a, active=True)[:3]:
        assert str(p) in html
    assert world.equipment_a.name in html and world.equipment_b.name not in html
    assert 'id="gardes-semaine"' in html and 'id="ecart-temps"' in html
    assert 'data-testid="deviation"' in html


def test_map_is_zoomed_on_the_territory(world, client_for):
    response = client_for("coordinator").get("/")
    box = response.context["map_viewbox"]
    assert box != francemap.view_box()
    x, y, width, height = (float(v) for v in box.split())
    full = [float(v) for v in francemap.view_box().split()]
    assert width < full[2] / 2 and height < full[3] / 2
    for marker in response.context["map_markers"]:
        assert x <= marker["x"] <= x + width and y <= marker["y"] <= y + height
