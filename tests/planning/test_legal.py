"""Planning and booking refuse time outside a valid ARS authorisation (issue 17, R28): a device
suspended, withdrawn or expired is not planned and not bookable on those days, with the reason."""

import datetime as dt

import pytest
from django.utils import timezone

from pimm.planning import adapter, services
from pimm.planning import models as pm
from pimm.planning.services import PlanningRefused
from pimm.registry import models as m

from .conftest import free_slot
from .test_services import _book

pytestmark = pytest.mark.django_db


def _suspend(equipment, day: dt.date, reference="ARS-SUSP-2027-7"):
    auth = equipment.authorizations.order_by("-starts_on").first()
    auth.status, auth.status_from, auth.status_reference = "suspended", day, reference
    auth.full_clean()
    auth.save()
    return auth


def test_suspended_device_is_not_bookable_with_the_reason(world, now):
    slot = free_slot(after=now + dt.timedelta(days=3), member=world.member_a)
    _suspend(slot.equipment, timezone.localtime(slot.start).date() - dt.timedelta(days=1))
    with pytest.raises(PlanningRefused) as err:
        _book(world, now, slot=slot)
    assert err.value.code == "not_authorised"
    assert "suspendue" in err.value.message and "ARS-SUSP-2027-7" in err.value.message
    assert not pm.Booking.objects.filter(order_reference="ORD-TEST-1").exists()
    # the automatic search never lands on it either, from that day on
    for i in range(5):
        booking = _book(
            world,
            now,
            order_reference=f"AUTO-{i}",
            not_before=slot.start - dt.timedelta(hours=1),
        )
        assert not (booking.equipment_id == slot.equipment_id and booking.start >= slot.start), (
            "booked on a suspended device"
        )


def test_device_before_its_suspension_stays_bookable(world, now):
    slot = free_slot(after=now + dt.timedelta(days=3), member=world.member_a)
    _suspend(slot.equipment, timezone.localtime(slot.start).date() + dt.timedelta(days=1))
    booking = _book(world, now, slot=slot)
    assert booking.start == slot.start


def test_plan_leaves_out_the_days_without_a_valid_authorisation(world, plan):
    eq = m.Equipment.objects.filter(pk=world.equipment_a.pk).get()
    cut = plan.start + dt.timedelta(days=20)
    eq.authorizations.update(ends_on=cut)  # expires within the quarter, no renewal
    built = adapter.plan_input_for(plan)
    device = next(d for d in built.plan_input.devices if d.id == str(eq.pk))
    legal = [c for c in device.closures if c.kind == "closure" and "expiré" in c.reason]
    assert legal and legal[0].start.date() == cut
    assert any(p.rule == "authorization" and eq.name in p.message for p in built.warnings)
    # a new plan over that time gives the device no vacation after the end of validity
    new = pm.VacationPlan.objects.create(
        platform=plan.platform,
        name="Après expiration",
        start=cut,
        end=cut + dt.timedelta(days=14),
        method=pm.VacationPlan.Method.GREEDY,
        status=pm.VacationPlan.Status.SOLVING,
        created_by=world.users["coordinator"],
    )
    new = services.plan_solve(plan_id=new.pk)
    mine = pm.Vacation.objects.filter(plan=new, equipment=eq)
    assert mine.exists() and not mine.exclude(status=pm.Vacation.Status.CLOSED).exists()
    assert any("expiré" in v.reason for v in mine)  # the closed days say why
    assert pm.Vacation.objects.filter(plan=new).exclude(status=pm.Vacation.Status.CLOSED).exists()
