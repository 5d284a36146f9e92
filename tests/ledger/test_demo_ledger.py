"""The demo's ledger: a closed month with every member's statement and the practitioners' pay."""

from decimal import Decimal

from pimm.ledger import models as lm
from pimm.ledger import selectors
from tests import clock


def test_the_demo_has_last_month_closed_with_statements_and_pay(world):
    period = lm.Period.objects.get(month=clock.month_start(-1))
    assert period.status == lm.Period.Status.CLOSED
    sts = selectors.statements(period=period)
    totals = selectors.platform_totals(period=period)
    assert len(sts) == lm.Entry.objects.values("member").distinct().count() or len(sts) >= 2
    assert sum(s.produced for s in sts) == totals.produced > 0
    assert sum(s.owes for s in sts) == totals.owes == totals.costs
    assert sum(s.owed for s in sts) == totals.owed == totals.revenue
    pool = period.pay_pool
    assert sum(x.amount for x in pool.lines.all()) == pool.amount == Decimal("48000.00")
    assert lm.ExtraFeeAttempt.objects.filter(accepted=False).exists()
