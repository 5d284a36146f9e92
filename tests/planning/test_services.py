"""Planning services on both databases: plans, publication, bookings and their refusals."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pimm.accounts.models import AuditEvent
from pimm.planning import adapter, services
from pimm.planning import models as pm
from pimm.planning.services import PlanningRefused
from pimm.registry.models import Technologist

from .conftest import free_slot


def _exam(code="CT_HEAD"):
    return pm.ExamType.objects.get(code=code)


def _book(world, now, **kw):
    args = {
        "actor": world.users["coordinator"],
        "order_reference": "ORD-TEST-1",
        "exam_type": _exam(),
        "patient_pseudonym": "PAT-00AB12",
        "member": world.member_a,
        "now": now,
    }
    args.update(kw)
    return services.booking_create(**args)


# ---- plans -----------------------------------------------------------------------------------


def _new_plan(world, start, months=1, **kw):
    end = dt.date(
        start.year + (start.month + months - 1) // 12, (start.month + months - 1) % 12 + 1, 1
    )
    return services.plan_create(
        actor=world.users["coordinator"],
        platform=world.platform,
        name="Test",
        start=start,
        end=end,
        method=kw.pop("method", "greedy"),
        time_limit_s=2,
        **kw,
    )


@pytest.fixture(autouse=True)
def _on_commit(django_capture_on_commit_callbacks):
    global _capture
    _capture = django_capture_on_commit_callbacks


def _generate(world, plan):
    """Queue the solve; the task runs on commit (immediate backend in tests)."""
    with _capture(execute=True):
        services.plan_generate(actor=world.users["coordinator"], plan=plan)


def test_demo_quarter_is_published_with_slots_and_bookings(plan):
    assert (plan.end - plan.start).days in range(89, 93)
    assert plan.slots.count() > 10_000
    assert plan.max_deviation_vacations <= 1.0
    assert pm.Booking.objects.filter(status="booked").count() >= 30
    assert plan.deviations.filter(month="").count() > 0


def test_generate_then_publish_the_next_month_carries_deviations_over(world, plan):
    new = _new_plan(world, plan.end, method="cpsat")
    _generate(world, new)
    new.refresh_from_db()
    assert new.status == "ready", new.problems
    assert new.carried_from_id == plan.pk
    carried = new.deviations.filter(month="").exclude(carried_in_hours=0)
    assert carried.exists()
    before = plan.slots.count()
    services.plan_publish(actor=world.users["coordinator"], plan=new)
    new.refresh_from_db()
    assert new.status == "published" and new.slots.count() > 1000
    assert plan.slots.count() == before  # no overlap: the previous plan is untouched
    assert AuditEvent.objects.filter(model="vacationplan", object_id=str(new.pk)).count() >= 3


def test_shares_impossible_without_staff_explain_and_write_nothing(world, plan):
    Technologist.objects.update(active=False)
    new = _new_plan(world, plan.end)
    _generate(world, new)
    new.refresh_from_db()
    assert new.status == "failed"
    messages = " ".join(p["message"] for p in new.errors)
    assert "MERM" in messages
    assert new.vacations.count() == 0 and new.deviations.count() == 0 and new.slots.count() == 0
    plan.refresh_from_db()
    assert plan.status == "published" and plan.slots.exists()


def test_only_the_coordination_plans(world, plan):
    with pytest.raises(PermissionDenied):
        services.plan_create(
            actor=world.users["manager_a"],
            platform=world.platform,
            name="Non",
            start=plan.end,
            end=plan.end + dt.timedelta(days=30),
        )
    with pytest.raises(PermissionDenied):
        services.plan_publish(actor=world.users["reviewer"], plan=plan)


def test_a_plan_ending_before_it_starts_is_refused(world, plan):
    with pytest.raises(ValidationError):
        services.plan_create(
            actor=world.users["coordinator"],
            platform=world.platform,
            name="À l'envers",
            start=plan.end,
            end=plan.start,
        )


def _replan_like(world, plan):
    """A new ready plan over the first month of `plan` whose vacations copy `plan`'s members."""
    new = _new_plan(world, plan.start)
    _generate(world, new)
    new.refresh_from_db()
    assert new.status == "ready", new.problems
    old = {(v.equipment_id, v.start): v for v in plan.vacations.all()}
    changed = []
    for v in new.vacations.all():
        twin = old.get((v.equipment_id, v.start))
        if twin is not None:
            v.status, v.member_id = twin.status, twin.member_id
            changed.append(v)
    pm.Vacation.objects.bulk_update(changed, ["status", "member"])
    return new


def _held(plan, new):
    return pm.Slot.objects.filter(
        plan=plan, booking__status="booked", start__lt=_day(new.end), end__gt=_day(new.start)
    )


def _day(d):
    return adapter.day_start(d)


def test_republishing_keeps_booked_slots_still_inside_a_vacation_of_the_same_member(world, plan):
    new = _replan_like(world, plan)
    held = list(_held(plan, new).values_list("pk", "booking_id"))
    assert held
    outside = plan.slots.filter(start__gte=_day(new.end)).count()
    services.plan_publish(actor=world.users["coordinator"], plan=new)
    new.refresh_from_db()
    plan.refresh_from_db()
    assert new.status == "published" and plan.status == "superseded"
    for slot_pk, booking_pk in held:
        slot = pm.Slot.objects.get(pk=slot_pk)
        assert slot.plan_id == new.pk and slot.booking_id == booking_pk
        assert slot.vacation.plan_id == new.pk and slot.vacation.member_id == slot.member_id
        assert pm.Booking.objects.get(pk=booking_pk).status == "booked"
    assert plan.slots.count() == outside  # the rest of the old quarter is untouched
    assert not plan.slots.filter(start__lt=_day(new.end)).exists()
    reason = AuditEvent.objects.filter(model="vacationplan", object_id=str(new.pk)).first().reason
    assert "Plan publié" in reason and f"{len(held)} plage(s) avec rendez-vous" in reason
    old_reason = (
        AuditEvent.objects.filter(model="vacationplan", object_id=str(plan.pk)).first().reason
    )
    assert "Remplacé par le plan" in old_reason


def test_republishing_that_would_orphan_a_booking_is_refused_with_the_list(world, plan):
    new = _replan_like(world, plan)
    victim = _held(plan, new).select_related("booking").order_by("start").first()
    covering = new.vacations.get(
        equipment_id=victim.equipment_id, start__lte=victim.start, end__gte=victim.end
    )
    other = pm.ShareDeviation.objects.filter(plan=plan).exclude(member_id=victim.member_id)
    covering.member_id = other.first().member_id
    covering.save()
    before = (plan.slots.count(), pm.Slot.objects.count(), AuditEvent.objects.count())
    with pytest.raises(PlanningRefused, match="perdraient leur plage") as exc:
        services.plan_publish(actor=world.users["coordinator"], plan=new)
    assert victim.booking.order_reference in exc.value.message
    assert exc.value.code == "plan_orphans"
    new.refresh_from_db()
    plan.refresh_from_db()
    assert new.status == "ready" and new.slots.count() == 0 and plan.status == "published"
    assert (plan.slots.count(), pm.Slot.objects.count(), AuditEvent.objects.count()) == before
    victim.refresh_from_db()
    assert victim.plan_id == plan.pk and victim.booking.status == "booked"


def test_generation_is_audited_on_the_plan_with_who_and_counts(world, plan):
    new = _new_plan(world, plan.end)
    _generate(world, new)
    new.refresh_from_db()
    event = AuditEvent.objects.filter(model="vacationplan", object_id=str(new.pk)).first()
    assert event.username == world.users["coordinator"].username
    assigned = new.vacations.filter(status="assigned").count()
    assert f"Plan généré : {assigned} vacation(s) attribuée(s)" in event.reason


# ---- bookings --------------------------------------------------------------------------------


def test_booking_takes_the_earliest_fitting_slot(world, plan, now):
    first = free_slot(after=now, member=world.member_a)
    booking = _book(world, now)
    assert booking.status == "booked" and booking.start <= first.start
    assert list(booking.slots.values_list("booking_id", flat=True)) == [booking.pk]
    event = AuditEvent.objects.filter(model="booking", object_id=str(booking.pk)).get()
    assert event.username == world.users["coordinator"].username


def test_a_30_minute_exam_takes_two_consecutive_15_minute_slots(world, now):
    booking = _book(world, now, exam_type=_exam("CT_TAP"))
    slots = list(booking.slots.order_by("start"))
    assert len(slots) == 2 and slots[0].end == slots[1].start
    assert booking.end - booking.start == dt.timedelta(minutes=30)


def test_booking_a_taken_slot_is_refused(world, now):
    taken = _book(world, now)
    slot = taken.slots.get()
    with pytest.raises(PlanningRefused, match="déjà prise") as exc:
        _book(world, now, order_reference="ORD-TEST-2", slot=slot)
    assert exc.value.code == "slot_taken"
    assert pm.Booking.objects.filter(order_reference="ORD-TEST-2").count() == 0


def test_booking_a_past_slot_is_refused(world, plan, now):
    slot = free_slot(after=now)
    with pytest.raises(PlanningRefused, match="déjà passée") as exc:
        _book(world, slot.end + dt.timedelta(hours=1), slot=slot)
    assert exc.value.code == "past_slot"


def test_booking_into_a_closed_device_is_refused(world, now):
    slot = free_slot(after=now + dt.timedelta(days=10))
    closure, hit = services.closure_create(
        actor=world.users["coordinator"],
        equipment=slot.equipment,
        start=slot.start - dt.timedelta(hours=1),
        end=slot.start + dt.timedelta(hours=2),
        reason="panne du tube",
        kind="closure",
    )
    with pytest.raises(PlanningRefused, match="fermé") as exc:
        _book(world, now, slot=slot)
    assert exc.value.code == "closed_device"
    assert "panne du tube" in exc.value.message
    assert not pm.Booking.objects.filter(order_reference="ORD-TEST-1").exists()


def test_routine_order_cannot_take_an_unreleased_emergency_slot(world, now):
    slot = free_slot(purpose="emergency", after=now + dt.timedelta(days=3), member=world.member_a)
    with pytest.raises(PlanningRefused, match="réservée") as exc:
        _book(world, now, slot=slot)
    assert exc.value.code == "slot_reserved"
    emergency = _book(world, now, slot=slot, priority="emergency")
    assert emergency.used_reserved == "emergency" and not emergency.released


def test_unused_reserved_slot_is_released_before_it_starts(world, now):
    slot = free_slot(purpose="emergency", after=now + dt.timedelta(days=3), member=world.member_a)
    late = slot.release_at + dt.timedelta(minutes=1)
    booking = _book(world, late, slot=slot)
    assert booking.released and booking.used_reserved == "emergency"


def test_patient_name_is_refused_as_pseudonym(world, now):
    with pytest.raises(ValidationError, match="pseudonyme"):
        _book(world, now, patient_pseudonym="Jean Dupont")
    assert not pm.Booking.objects.filter(order_reference="ORD-TEST-1").exists()


def test_same_order_cannot_be_booked_twice(world, now):
    _book(world, now)
    with pytest.raises(PlanningRefused, match="déjà un rendez-vous"):
        _book(world, now)


def test_secretary_books_only_for_her_member(world, now):
    _book(world, now, actor=world.users["secretary_a"])
    with pytest.raises(PermissionDenied):
        _book(
            world,
            now,
            actor=world.users["secretary_a"],
            member=world.member_b,
            order_reference="X-2",
        )
    with pytest.raises(PermissionDenied):
        _book(world, now, actor=world.users["reviewer"], order_reference="X-3")


def test_move_checks_the_same_rules_and_is_audited(world, now):
    booking = _book(world, now)
    old_slot = booking.slots.get()
    target = free_slot(
        after=booking.start + dt.timedelta(days=2),
        equipment=booking.equipment,
        member=world.member_a,
    )
    moved = services.booking_move(
        actor=world.users["coordinator"], booking=booking, slot=target, now=now
    )
    assert moved.start == target.start and moved.moves == 1
    old_slot.refresh_from_db()
    assert old_slot.booking_id is None
    last = moved.history.order_by("-history_date").first()
    assert "déplacé" in last.history_change_reason
    # onto a taken slot: refused, nothing changes
    other = _book(world, now, order_reference="ORD-TEST-2")
    with pytest.raises(PlanningRefused):
        services.booking_move(
            actor=world.users["coordinator"], booking=moved, slot=other.slots.get(), now=now
        )
    moved.refresh_from_db()
    assert moved.start == target.start and moved.slots.get().pk == target.pk


def test_cancel_frees_the_slot_and_keeps_the_reason(world, now):
    booking = _book(world, now)
    slot = booking.slots.get()
    with pytest.raises(ValidationError):
        services.booking_cancel(
            actor=world.users["coordinator"], booking=booking, reason=" ", now=now
        )
    services.booking_cancel(
        actor=world.users["coordinator"], booking=booking, reason="patient hospitalisé", now=now
    )
    booking.refresh_from_db()
    slot.refresh_from_db()
    assert booking.status == "cancelled" and slot.booking_id is None
    assert booking.cancel_reason == "patient hospitalisé"
    again = _book(world, now, slot=slot, order_reference="ORD-TEST-1")  # the order can be rebooked
    assert again.pk != booking.pk


def test_manager_b_cannot_move_a_booking_of_member_a(world, now):
    booking = _book(world, now)
    with pytest.raises(PermissionDenied):
        services.booking_cancel(
            actor=world.users["manager_b"], booking=booking, reason="x", now=now
        )


def test_routine_order_of_a_specialised_exam_type_takes_a_slot_of_that_purpose(world, now):
    exam = _exam()
    exam.purpose = "paediatric"
    exam.save()
    booking = _book(world, now, exam_type=exam)
    assert booking.purpose == "paediatric"
    assert set(booking.slots.values_list("purpose", flat=True)) == {"paediatric"}
    emergency = _book(world, now, exam_type=exam, order_reference="ORD-U", priority="emergency")
    assert emergency.purpose == ""
