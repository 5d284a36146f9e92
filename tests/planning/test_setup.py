"""Setup pages (opening hours, closures, exam types, slot templates): roles, objects, validation,
audit. Served by the registry's generic screens; written from the issue and the policy table."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from pimm.accounts.models import AuditEvent
from pimm.planning import models as pm
from tests import clock
from tests.personas import FORBIDDEN, HIDDEN, LOGIN, OK, PERSONAS

# hours list, hours create, hours of A (detail), hours of B (detail), edit hours of A,
# template list, exam type list, exam type edit, setup index
EXPECTED = {
    None: (LOGIN,) * 9,
    "coordinator": (OK,) * 9,
    "administrator": (OK,) * 9,
    "reviewer": (OK, FORBIDDEN, OK, OK, HIDDEN, OK, OK, HIDDEN, OK),
    "manager_a": (OK, FORBIDDEN, OK, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK),
    "secretary_a": (FORBIDDEN, FORBIDDEN, HIDDEN, HIDDEN, HIDDEN, FORBIDDEN, OK, HIDDEN, OK),
    "technologist_a": (FORBIDDEN, FORBIDDEN, HIDDEN, HIDDEN, HIDDEN, FORBIDDEN)
    + (FORBIDDEN,)
    + (HIDDEN, FORBIDDEN),
    "radiologist_a": (FORBIDDEN, FORBIDDEN, HIDDEN, HIDDEN, HIDDEN, FORBIDDEN, OK, HIDDEN, OK),
}


def _hours(equipment) -> pm.OpeningHours:
    return pm.OpeningHours.objects.filter(equipment=equipment).order_by("pk").first()


@pytest.mark.parametrize("persona", PERSONAS)
def test_setup_pages_by_role_and_object(world, client_for, persona):
    client = client_for(persona)
    a, b = _hours(world.equipment_a), _hours(world.equipment_b)
    exam = pm.ExamType.objects.order_by("pk").first()
    got = (
        client.get(reverse("registry:opening_hours_list")).status_code,
        client.get(reverse("registry:opening_hours_create")).status_code,
        client.get(reverse("registry:opening_hours_detail", args=[a.pk])).status_code,
        client.get(reverse("registry:opening_hours_detail", args=[b.pk])).status_code,
        client.get(reverse("registry:opening_hours_edit", args=[a.pk])).status_code,
        client.get(reverse("registry:slot_template_list")).status_code,
        client.get(reverse("registry:exam_type_list")).status_code,
        client.get(reverse("registry:exam_type_edit", args=[exam.pk])).status_code,
        client.get(reverse("planning:setup")).status_code,
    )
    assert got == EXPECTED[persona]


def test_member_manager_lists_only_the_devices_of_its_member_and_cannot_post(world, client_for):
    client = client_for("manager_a")
    page = client.get(reverse("registry:opening_hours_list") + "?q=" + world.equipment_b.code)
    assert world.equipment_b.name not in page.content.decode()
    page = client.get(reverse("registry:opening_hours_list") + "?q=" + world.equipment_a.code)
    assert world.equipment_a.name in page.content.decode()
    a = _hours(world.equipment_a)
    response = client.post(
        reverse("registry:opening_hours_edit", args=[a.pk]),
        {
            "equipment": a.equipment_id,
            "weekday": a.weekday,
            "part": a.part,
            "start": "07:00",
            "end": a.end.strftime("%H:%M"),
        },
    )
    assert response.status_code == HIDDEN
    a.refresh_from_db()
    assert a.start != dt.time(7, 0)
    index = client.get(reverse("planning:setup")).content.decode()
    assert "lecture seule" in index and "Ajouter" not in index


def _post_hours(client, equipment, weekday, part, start, end):
    return client.post(
        reverse("registry:opening_hours_create"),
        {"equipment": equipment.pk, "weekday": weekday, "part": part, "start": start, "end": end},
    )


def test_opening_hours_closing_before_opening_refused_in_french_nothing_written(world, client_for):
    client = client_for("coordinator")
    pm.OpeningHours.objects.filter(equipment=world.equipment_a, weekday=6).delete()
    before = (pm.OpeningHours.objects.count(), AuditEvent.objects.count())
    response = _post_hours(client, world.equipment_a, 6, "morning", "13:00", "08:00")
    assert response.status_code == OK
    assert "précède l&#x27;ouverture" in response.content.decode()
    assert (pm.OpeningHours.objects.count(), AuditEvent.objects.count()) == before
    # a night session may end the next morning
    response = _post_hours(client, world.equipment_a, 6, "night", "22:00", "07:00")
    assert response.status_code == 302
    assert pm.OpeningHours.objects.filter(equipment=world.equipment_a, weekday=6).count() == 1


def test_overlapping_opening_hours_refused_with_the_other_session_named(world, client_for):
    client = client_for("coordinator")
    existing = pm.OpeningHours.objects.get(equipment=world.equipment_a, weekday=0, part="morning")
    pm.OpeningHours.objects.filter(equipment=world.equipment_a, weekday=0, part="evening").delete()
    count = pm.OpeningHours.objects.count()
    response = _post_hours(
        client,
        world.equipment_a,
        0,
        "evening",
        (dt.datetime.combine(dt.date.today(), existing.end) - dt.timedelta(hours=1)).strftime(
            "%H:%M"
        ),
        "23:00",
    )
    text = response.content.decode()
    assert response.status_code == OK and "chevauchent" in text
    assert pm.OpeningHours.objects.count() == count
    # a Sunday night running into Monday's morning session overlaps too (the week wraps)
    pm.OpeningHours.objects.filter(equipment=world.equipment_a, weekday=6).delete()
    start = existing.start.strftime("%H:%M")
    response = _post_hours(client, world.equipment_a, 6, "night", "22:00", "23:59")
    assert response.status_code == 302
    late = dt.datetime.combine(dt.date.today(), existing.start) + dt.timedelta(minutes=30)
    response = _post_hours(client, world.equipment_a, 5, "night", "22:00", late.strftime("%H:%M"))
    assert response.status_code == 302  # Saturday night ends Sunday morning: no session then
    pm.OpeningHours.objects.filter(equipment=world.equipment_a, weekday=6).delete()
    response = _post_hours(client, world.equipment_a, 6, "night", "22:00", late.strftime("%H:%M"))
    assert "chevauchent" in response.content.decode(), start


def test_closure_ending_before_it_starts_refused(world, client_for):
    client = client_for("coordinator")
    count = pm.Closure.objects.count()
    response = client.post(
        reverse("registry:closure_create"),
        {
            "equipment": world.equipment_a.pk,
            "kind": "maintenance",
            "start": f"{clock.day(1, 10).isoformat()}T14:00",
            "end": f"{clock.day(1, 10).isoformat()}T09:00",
            "reason": "changement de tube",
        },
    )
    assert response.status_code == OK
    assert "La fin de la fermeture doit suivre son début" in response.content.decode()
    assert pm.Closure.objects.count() == count


def _template_data(**over):
    data = {
        "code": "CT-TEST",
        "equipment": "",
        "modality": "CT",
        "slot_minutes": 20,
        "emergency_slots": 1,
        "emergency_slots_pdses": 2,
        "emergency_release_minutes": 120,
    }
    data.update(over)
    return data


def test_slot_template_counts_validated(world, client_for):
    client = client_for("coordinator")
    count = pm.SlotTemplate.objects.count()
    url = reverse("registry:slot_template_create")
    negative = client.post(url, _template_data(emergency_slots=-1)).content.decode()
    assert "supérieure ou égale à 0" in negative
    fewer = client.post(url, _template_data(emergency_slots=3, emergency_slots_pdses=1))
    assert "au moins autant de plages d&#x27;urgence" in fewer.content.decode()
    too_many = client.post(url, _template_data(slot_minutes=60, emergency_slots_pdses=5))
    assert "dépassent une vacation de 4 h" in too_many.content.decode()
    other_modality = client.post(
        url, _template_data(equipment=world.equipment_a.pk, modality="PET_CT")
    )
    assert "pas de cette modalité" in other_modality.content.decode()
    assert pm.SlotTemplate.objects.count() == count
    ok = client.post(url, _template_data())
    assert ok.status_code == 302 and pm.SlotTemplate.objects.count() == count + 1


def test_specialised_quota_and_exam_type_saved_and_audited(world, client_for):
    client = client_for("administrator")
    template = pm.SlotTemplate.objects.order_by("pk").first()
    response = client.post(
        reverse("registry:slot_quota_create"),
        {
            "template": template.pk,
            "purpose": "paediatric",
            "slots": 2,
            "release_minutes": 1440,
            "weekdays": ["0", "3"],
        },
    )
    assert response.status_code == 302
    quota = pm.SpecialisedQuota.objects.order_by("-pk").first()
    assert quota.weekdays == [0, 3] and quota.weekday_labels() == "lundi, jeudi"
    exam = pm.ExamType.objects.order_by("pk").first()
    response = client.post(
        reverse("registry:exam_type_edit", args=[exam.pk]),
        {
            "code": exam.code,
            "label": exam.label,
            "modality": exam.modality,
            "minutes": 45,
            "radiologist_required": "on",
            "purpose": "neuro",
        },
    )
    assert response.status_code == 302
    exam.refresh_from_db()
    assert (exam.minutes, exam.radiologist_required, exam.purpose) == (45, True, "neuro")
    last = exam.history.first()
    assert last.history_user == world.users["administrator"] and last.history_type == "~"
    event = AuditEvent.objects.filter(model="examtype", object_id=str(exam.pk)).first()
    assert event.username == "t-admin" and event.changes["minutes"][1] == 45
    assert AuditEvent.objects.filter(model="specialisedquota", object_id=str(quota.pk)).exists()


def test_reviewer_cannot_write_through_the_form(world, client_for):
    client = client_for("reviewer")
    count = pm.Closure.objects.count()
    response = client.post(
        reverse("registry:closure_create"),
        {
            "equipment": world.equipment_a.pk,
            "kind": "closure",
            "start": f"{clock.day(1, 10).isoformat()}T08:00",
            "end": f"{clock.day(1, 10).isoformat()}T18:00",
            "reason": "x",
        },
    )
    assert response.status_code == FORBIDDEN and pm.Closure.objects.count() == count


def test_setup_api_same_rules(world, client):
    from pimm.accounts.services import api_token_create

    def headers(persona):
        _token, raw = api_token_create(user=world.users[persona], name="test")
        return {"Authorization": f"Bearer {raw}"}

    coord, manager = headers("coordinator"), headers("manager_a")
    a = _hours(world.equipment_a)
    mine = client.get("/api/registry/opening_hours?limit=500", headers=manager).json()
    holders = set(
        pm.OpeningHours.objects.filter(pk__in=[r["id"] for r in mine]).values_list(
            "equipment__holder_id", "equipment__site__member_id"
        )
    )
    assert mine and all(world.member_a.pk in pair for pair in holders)
    refused = client.patch(
        f"/api/registry/opening_hours/{a.pk}",
        data='{"end": "06:00"}',
        content_type="application/json",
        headers=coord,
    )
    assert refused.status_code == 422 and "précède" in str(refused.json())
    hidden = client.patch(
        f"/api/registry/opening_hours/{a.pk}",
        data='{"end": "12:00"}',
        content_type="application/json",
        headers=manager,
    )
    assert hidden.status_code == 404
    a_before = a.end
    a.refresh_from_db()
    assert a.end == a_before


def test_plan_page_shows_its_journal(world, client_for):
    plan = pm.VacationPlan.objects.get(status="published")
    plan._history_user = world.users["coordinator"]
    plan._change_reason = "Plan publié : 12 plage(s) créée(s)"
    plan.save()
    page = client_for("reviewer").get(reverse("planning:plan_detail", args=[plan.pk]))
    text = page.content.decode()
    assert "Journal du plan" in text and "Plan publié : 12 plage(s) créée(s)" in text
    assert "t-coord" in text


def test_slot_template_page_lists_the_exam_types_it_cuts_for(world, client_for):
    template = pm.SlotTemplate.objects.exclude(modality="").order_by("pk").first()
    exam = pm.ExamType.objects.filter(modality=template.modality).first()
    other = pm.ExamType.objects.exclude(modality=template.modality).first()
    text = client_for("coordinator").get(template.get_absolute_url()).content.decode()
    assert "Types d&#x27;examen concernés" in text and str(exam) in text
    assert str(other) not in text


def test_closure_from_the_setup_page_closes_and_reopens_slots(world, client_for, plan):
    """The generic setup page goes through the registry's save, not the planning service: the
    slots still follow the closure when it is created, moved away and deleted."""
    slot = pm.Slot.objects.filter(plan=plan, status=pm.Slot.Status.OPEN).order_by("start").first()
    client = client_for("coordinator")
    fmt = "%Y-%m-%dT%H:%M"
    start, end = timezone.localtime(slot.start), timezone.localtime(slot.end)
    response = client.post(
        reverse("registry:closure_create"),
        {
            "equipment": slot.equipment_id,
            "kind": "maintenance",
            "start": start.strftime(fmt),
            "end": end.strftime(fmt),
            "reason": "Maintenance préventive",
        },
    )
    assert response.status_code == 302
    slot.refresh_from_db()
    assert (slot.status, slot.closed_reason) == (pm.Slot.Status.CLOSED, "Maintenance préventive")
    closure = pm.Closure.objects.get(
        equipment_id=slot.equipment_id, reason="Maintenance préventive"
    )
    later = start + dt.timedelta(days=400)
    closure.start, closure.end = later, later + dt.timedelta(hours=1)
    closure.save()
    slot.refresh_from_db()
    assert slot.status == pm.Slot.Status.OPEN and slot.closed_reason == ""
    closure.start, closure.end = start, end
    closure.save()
    slot.refresh_from_db()
    assert slot.status == pm.Slot.Status.CLOSED
    closure.delete()
    slot.refresh_from_db()
    assert slot.status == pm.Slot.Status.OPEN
