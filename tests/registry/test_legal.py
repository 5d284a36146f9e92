"""The legal state (issue 17): an authorisation's state on a day (expired, suspended and
withdrawn with the decision's date and reference, R28), the refusal planning and booking read,
the alerts before an authorisation or the PIMM's own ends; a signed convention is never edited
in place but amended (avenant) with its keys; absurd periods are refused."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from pimm.registry import legal
from pimm.registry import models as m
from pimm.registry.selectors import sharing_keys_on
from pimm.registry.services import (
    Share,
    convention_amend,
    registry_object_save,
    sharing_keys_set,
)
from tests import clock

pytestmark = pytest.mark.django_db
TODAY = clock.TODAY


def _auth(equipment, start, end, **kw):
    return m.Authorization.objects.create(
        equipment=equipment,
        number=kw.pop("number", "ARS-T"),
        decided_on=start,
        starts_on=start,
        ends_on=end,
        **kw,
    )


def test_state_on_a_day_follows_dates_and_decisions(world):
    eq = world.equipment_a
    eq.authorizations.all().delete()
    a = _auth(eq, TODAY - dt.timedelta(days=100), TODAY + dt.timedelta(days=100))
    S = m.Authorization.State
    assert a.state_on(TODAY) == S.IN_FORCE
    assert a.state_on(TODAY - dt.timedelta(days=101)) == S.NOT_STARTED
    assert a.state_on(TODAY + dt.timedelta(days=100)) == S.EXPIRED  # ends_on excluded
    a.status, a.status_from, a.status_reference = "suspended", TODAY, "ARS-SUSP-1"
    a.full_clean()
    assert a.state_on(TODAY - dt.timedelta(days=1)) == S.IN_FORCE
    assert a.state_on(TODAY) == S.SUSPENDED
    assert a.in_force_until() == TODAY
    a.status = "withdrawn"
    assert a.state_on(TODAY + dt.timedelta(days=5)) == S.WITHDRAWN


def test_suspension_needs_its_date_and_reference(world):
    a = world.authorization_a
    a.status = "withdrawn"
    with pytest.raises(ValidationError) as err:
        a.full_clean()
    assert set(err.value.message_dict) == {"status_from", "status_reference"}


def test_refusal_names_the_reason_and_covers_every_day(world):
    eq = world.equipment_a
    eq.authorizations.all().delete()
    assert "pas d'autorisation" in legal.refusal(eq.pk, TODAY, TODAY)
    _auth(eq, TODAY - dt.timedelta(days=10), TODAY + dt.timedelta(days=10), number="A1")
    assert legal.refusal(eq.pk, TODAY, TODAY + dt.timedelta(days=9)) is None
    assert "A1" in legal.refusal(eq.pk, TODAY, TODAY + dt.timedelta(days=10))  # expired
    # a renewal starting the day the first ends: continuous
    _auth(eq, TODAY + dt.timedelta(days=10), TODAY + dt.timedelta(days=400), number="A2")
    assert legal.refusal(eq.pk, TODAY, TODAY + dt.timedelta(days=200)) is None
    a2 = eq.authorizations.get(number="A2")
    a2.status, a2.status_from, a2.status_reference = "suspended", TODAY + dt.timedelta(50), "S-9"
    a2.save()
    reason = legal.refusal(eq.pk, TODAY, TODAY + dt.timedelta(days=200))
    assert "suspendue" in reason and "S-9" in reason


def test_demo_alerts_show_the_device_ending_soon_and_nothing_expired(world):
    alerts = legal.alerts(platform=world.platform, today=TODAY)
    assert [a.level for a in alerts].count("danger") == 0
    assert any(a.level == "warning" and "prend fin" in a.message for a in alerts)
    eq = world.equipment_b
    eq.authorizations.update(
        ends_on=TODAY - dt.timedelta(days=1), starts_on=TODAY - dt.timedelta(days=900)
    )
    alerts = legal.alerts(platform=world.platform, today=TODAY)
    assert alerts[0].level == "danger" and eq.name in alerts[0].message
    assert "expirée" in alerts[0].message


def test_platform_renewal_alert_before_the_pimm_ends(world):
    p = world.platform
    p.authorized_on = m.add_years(TODAY, -7) + dt.timedelta(days=200)
    messages = [a.message for a in legal.alerts(platform=p, today=TODAY, equipment_ids=[])]
    assert any("renouvellement" in msg for msg in messages)
    p.authorized_on = m.add_years(TODAY, -7)
    alerts = legal.alerts(platform=p, today=TODAY, equipment_ids=[])
    assert alerts[0].level == "danger"


def test_signed_convention_is_amended_never_edited(world):
    coordinator = world.users["coordinator"]
    conv = world.convention
    assert conv.is_signed
    conv.title = "modifiée"
    with pytest.raises(ValidationError, match="avenant"):
        registry_object_save(actor=coordinator, obj=conv)
    keys = list(conv.sharing_keys.order_by("member_id"))
    shares = [Share(k.member_id, k.time_share, k.revenue_share, k.cost_share) for k in keys]
    with pytest.raises(ValidationError, match="avenant"):
        sharing_keys_set(actor=coordinator, convention=conv, shares=shares)
    # the amendment: new keys, in force from its date; the signed version stays as it was
    shares[0] = Share(
        shares[0].member_id, shares[0].time_share + 1, shares[0].revenue_share, shares[0].cost_share
    )
    shares[1] = Share(
        shares[1].member_id, shares[1].time_share - 1, shares[1].revenue_share, shares[1].cost_share
    )
    start = TODAY + dt.timedelta(days=30)
    new = convention_amend(
        actor=coordinator, convention=conv, effective_from=start, signed_on=TODAY, shares=shares
    )
    conv.refresh_from_db()
    assert conv.title != "modifiée" and conv.effective_to == start - dt.timedelta(days=1)
    assert new.version == "2" and new.effective_from == start
    assert [k.time_share for k in conv.sharing_keys.order_by("member_id")] == [
        k.time_share for k in keys
    ]
    assert new.sharing_keys.get(member_id=shares[0].member_id).time_share == shares[0].time_share

    on = {
        k.member_id: k.time_share for k in sharing_keys_on(platform_id=world.platform.pk, day=start)
    }
    assert on[shares[0].member_id] == shares[0].time_share
    before = {
        k.member_id: k.time_share for k in sharing_keys_on(platform_id=world.platform.pk, day=TODAY)
    }
    assert before[shares[0].member_id] == keys[0].time_share
    # an amendment of an amended version, or outside its period, is refused
    with pytest.raises(ValidationError):
        convention_amend(
            actor=coordinator,
            convention=conv,
            effective_from=start + dt.timedelta(1),
            signed_on=TODAY,
        )
    with pytest.raises(ValidationError):
        convention_amend(actor=coordinator, convention=new, effective_from=start, signed_on=TODAY)
    assert m.Convention.objects.count() == 2


def test_bad_amendment_keys_write_nothing(world):
    conv = world.convention
    bad = [
        Share(k.member_id, k.time_share + 5, k.revenue_share, k.cost_share)
        for k in conv.sharing_keys.all()
    ]
    with pytest.raises(ValidationError, match="100"):
        convention_amend(
            actor=world.users["coordinator"],
            convention=conv,
            effective_from=TODAY + dt.timedelta(days=3),
            signed_on=TODAY,
            shares=bad,
        )
    conv.refresh_from_db()
    assert conv.effective_to is None and m.Convention.objects.count() == 1
    with pytest.raises(Exception):  # noqa: B017 — only coordination amends
        convention_amend(
            actor=world.users["manager_a"],
            convention=conv,
            effective_from=TODAY + dt.timedelta(days=3),
            signed_on=TODAY,
        )


@pytest.mark.parametrize(
    "start,end",
    [
        (dt.date(1, 1, 1), dt.date(9999, 12, 31)),
        (dt.date(2026, 1, 1), dt.date(9999, 12, 31)),
        (dt.date(1, 1, 1), dt.date(2026, 1, 1)),
    ],
)
def test_absurd_periods_are_refused(world, start, end):
    conv = m.Convention(
        platform=world.platform, title="x", version="9", effective_from=start, effective_to=end
    )
    with pytest.raises(ValidationError) as err:
        conv.full_clean()
    assert "limites" in str(err.value)
    auth = m.Authorization(
        equipment=world.equipment_a, number="Z", decided_on=start, starts_on=start, ends_on=end
    )
    with pytest.raises(ValidationError):
        auth.full_clean()


def test_dashboard_flags_what_may_not_be_used_and_what_ends_soon(world, client_for):
    page = client_for("coordinator").get("/").content.decode()
    assert 'id="a-traiter"' in page and 'data-level="warning"' in page
    assert 'data-level="danger"' not in page
    eq = world.equipment_b
    auth = eq.authorizations.order_by("-starts_on").first()
    auth.status, auth.status_from, auth.status_reference = "withdrawn", TODAY, "ARS-RETRAIT-1"
    auth.save()
    page = client_for("coordinator").get("/").content.decode()
    assert 'data-level="danger"' in page and eq.name in page and "retirée" in page
    # the device's own page says it too
    detail = client_for("coordinator").get(eq.get_absolute_url()).content.decode()
    assert 'data-legal="withdrawn"' in detail
