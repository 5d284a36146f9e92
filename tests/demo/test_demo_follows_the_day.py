"""The demo is the PIMM as it stands on the day it is loaded (issue 17, "the demo and the tests
do not depend on the wall clock"): authorisations in force with one ending soon, the period from
the first of the current month, rotas published for this month and the next, the quarter planned
with bookings in the coming days. The generator is checked at every hard instant of
``tests/clock.py``; the loaded demo at the session's clock (``PIMM_TEST_NOW`` moves it)."""

import datetime as dt

import pytest
from django.utils import timezone

from pimm.demo.generator import ENDING_SOON_DAYS, generate
from pimm.oncall.models import Rota
from pimm.planning import models as pm
from pimm.registry import models as m
from tests import clock


@pytest.mark.parametrize("instant", list(clock.HARD_INSTANTS))
def test_generated_demo_follows_the_day(instant):
    today = clock.parse(clock.HARD_INSTANTS[instant]).date()
    d = generate(seed=42, today=today)
    assert d.start_date == clock.month_start(0, today)
    ends = {e.code: m.add_years(e.authorized_on, m.AUTHORIZATION_YEARS) for e in d.equipment}
    for e in d.equipment:
        assert e.authorized_on <= e.installed_on <= today, e.code
        assert ends[e.code] > today, f"{e.code}: authorisation expired on {ends[e.code]}"
    soon = [c for c, end in ends.items() if end <= today + dt.timedelta(days=ENDING_SOON_DAYS)]
    assert len(soon) == 1
    assert d.platform.authorized_on < today < m.add_years(d.platform.authorized_on, 7)
    assert generate(seed=42, today=today) == d  # same seed and day, same demo


def test_loaded_demo_is_in_force_today(db):
    today = timezone.localdate()
    assert today == clock.TODAY
    for auth in m.Authorization.objects.all():
        assert auth.starts_on <= today < auth.ends_on, auth.number
    assert (
        m.Authorization.objects.filter(
            ends_on__lte=today + dt.timedelta(days=ENDING_SOON_DAYS)
        ).count()
        == 1
    )
    published = Rota.objects.filter(status=Rota.Status.PUBLISHED).order_by("start")
    assert [(r.start, r.end) for r in published] == [
        (clock.month_start(0), clock.month_end(0)),
        (clock.month_start(1), clock.month_end(1)),
    ]
    plan = pm.VacationPlan.objects.get(status=pm.VacationPlan.Status.PUBLISHED)
    assert plan.start <= today < plan.end
    week = pm.Booking.objects.filter(
        start__gte=timezone.now(), start__lt=timezone.now() + dt.timedelta(days=7)
    )
    assert week.exists(), "bookings in the coming days"
