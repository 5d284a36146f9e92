import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from pimm.accounts.models import AuditEvent
from pimm.registry import models as m
from pimm.registry.services import Share, registry_object_save, sharing_keys_set


def _shares(world, values):
    members = list(m.Member.objects.filter(platform=world.platform).order_by("code"))
    return [
        Share(member_id=mem.pk, time_share=v, revenue_share=v, cost_share=v)
        for mem, v in zip(members, values, strict=True)
    ]


def test_keys_must_sum_to_100_and_nothing_is_saved(world, draft_convention):
    coordinator = world.users["coordinator"]
    before = list(world.convention.sharing_keys.values_list("member_id", "time_share"))
    bad = _shares(world, [Decimal(v) for v in ("40", "15", "10", "20", "20")])
    with pytest.raises(ValidationError) as exc:
        sharing_keys_set(actor=coordinator, convention=world.convention, shares=bad)
    assert "105,00 %" in str(exc.value.message_dict["time_share"])
    after = list(world.convention.sharing_keys.values_list("member_id", "time_share"))
    assert after == before


def test_keys_replace_atomically_and_are_audited(world, draft_convention):
    coordinator = world.users["coordinator"]
    good = _shares(world, [Decimal(v) for v in ("30", "20", "10", "20", "20")])
    events = AuditEvent.objects.filter(model="sharingkey").count()
    keys = sharing_keys_set(actor=coordinator, convention=world.convention, shares=good)
    assert sorted(k.time_share for k in keys) == [10, 20, 20, 20, 30]
    assert sum(k.cost_share for k in world.convention.sharing_keys.all()) == Decimal("100")
    changed = AuditEvent.objects.filter(model="sharingkey").order_by("-pk")
    assert changed.count() == events + 2  # only the two members whose share moved
    assert changed.first().username == coordinator.username


def test_member_manager_cannot_set_keys(world, draft_convention):
    good = _shares(world, [Decimal(v) for v in ("35", "15", "10", "20", "20")])
    with pytest.raises(PermissionDenied):
        sharing_keys_set(actor=world.users["manager_a"], convention=world.convention, shares=good)


def test_overlapping_convention_is_refused(world):
    new = m.Convention(
        platform=world.platform,
        title="Avenant",
        version="2",
        effective_from=world.convention.effective_from + dt.timedelta(days=30),
    )
    with pytest.raises(ValidationError, match="chevauche"):
        registry_object_save(actor=world.users["coordinator"], obj=new)
    assert m.Convention.objects.count() == 1


def test_convention_after_previous_period_is_accepted(world, draft_convention):
    world.convention.effective_to = dt.date(2027, 12, 31)
    registry_object_save(actor=world.users["coordinator"], obj=world.convention)
    new = m.Convention(
        platform=world.platform, title="v2", version="2", effective_from=dt.date(2028, 1, 1)
    )
    registry_object_save(actor=world.users["coordinator"], obj=new)
    assert m.Convention.objects.count() == 2


def test_authorization_ending_before_start_is_refused(world):
    auth = m.Authorization(
        equipment=world.equipment_a,
        number="X",
        decided_on=dt.date(2026, 1, 1),
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2025, 1, 1),
    )
    with pytest.raises(ValidationError) as exc:
        registry_object_save(actor=world.users["coordinator"], obj=auth)
    assert "ends_on" in exc.value.message_dict
    # the database refuses it too, whatever code path writes it
    with pytest.raises(IntegrityError), transaction.atomic():
        auth.save()


def test_hospital_needs_finess(world):
    member = m.Member(
        platform=world.platform,
        code="NEW",
        name="Nouvel hôpital",
        kind=m.Member.Kind.PUBLIC_HOSPITAL,
        siren="732829320",
    )
    with pytest.raises(ValidationError, match="FINESS"):
        registry_object_save(actor=world.users["coordinator"], obj=member)


def test_wrong_check_digit_is_refused_and_not_saved(world):
    world.practitioner_a.rpps = "10000001016"
    with pytest.raises(ValidationError, match="RPPS"):
        registry_object_save(actor=world.users["coordinator"], obj=world.practitioner_a)
    world.practitioner_a.refresh_from_db()
    assert world.practitioner_a.rpps != "10000001016"


def test_manager_cannot_create_in_another_member(world):
    site = m.Site(
        member=world.member_b,
        code="ZZ",
        name="Intrus",
        town="Lyon",
        departement="69",
        latitude=45.7,
        longitude=4.8,
    )
    with pytest.raises(PermissionDenied):
        registry_object_save(actor=world.users["manager_a"], obj=site)
    site.member = world.member_a
    registry_object_save(actor=world.users["manager_a"], obj=site)
    assert site.pk is not None


def test_platform_deadlines(world):
    platform = world.platform
    platform.authorized_on = dt.date(2026, 3, 1)
    assert platform.expires_on == dt.date(2033, 3, 1)
    dates = platform.annual_report_due_dates()
    assert len(dates) == 7 and dates[0] == dt.date(2027, 3, 1) and dates[-1] == dt.date(2033, 3, 1)
    assert platform.renewal_due_on == dt.date(2032, 3, 1)


def test_leap_day_authorization_expires_on_28_february():
    assert m.add_years(dt.date(2028, 2, 29), 7) == dt.date(2035, 2, 28)
