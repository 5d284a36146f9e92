"""The demo's ledger: a closed month with every member's statement and the practitioners' pay."""

from decimal import Decimal

from pimm.ledger import models as lm
from pimm.ledger import selectors
from pimm.ledger.demo import EXAM_WEEKDAYS
from pimm.registry import models as m
from tests import clock


def test_the_demo_has_last_month_closed_with_statements_and_pay(world):
    period = lm.Period.objects.get(month=clock.month_start(-1))
    assert period.status == lm.Period.Status.CLOSED
    sts = selectors.statements(period=period)
    totals = selectors.platform_totals(period=period)
    assert sorted(s.member_id for s in sts) == sorted(m.Member.objects.values_list("pk", flat=True))
    assert all(s.owes > 0 and s.owed > 0 for s in sts)  # every member shares costs and revenue
    holders = set(
        m.Equipment.objects.filter(modality__in=("CT", "MRI"), active=True).values_list(
            "holder_id", flat=True
        )
    )
    assert {s.member_id for s in sts if s.produced > 0} == holders
    assert sum(s.produced for s in sts) == totals.produced > 0
    assert sum(s.owes for s in sts) == totals.owes == totals.costs
    assert sum(s.owed for s in sts) == totals.owed == totals.revenue
    days = {
        d.weekday() for d in lm.Entry.objects.filter(period=period).values_list("date", flat=True)
    }
    assert set(EXAM_WEEKDAYS) <= days  # plus the weekly night emergencies
    pool = period.pay_pool
    lines = list(pool.lines.all())
    assert len(lines) > 1 and all(x.amount >= 0 for x in lines)
    assert sum(x.amount for x in lines) == pool.amount == Decimal("48000.00")
    assert lm.ExtraFeeAttempt.objects.filter(accepted=False).exists()
