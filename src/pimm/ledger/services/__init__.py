"""Every write of the ledger (acts, sharing, months, pay, extra fees, imports)."""

from pimm.ledger.services.acts import Tariffs, exam_day, write_exam_entries
from pimm.ledger.services.fees import extra_fee_request, fee_policy_set, refusal_reason
from pimm.ledger.services.pay import pay_compute
from pimm.ledger.services.periods import (
    entry_reverse,
    month_end,
    month_of,
    period_close,
    period_for,
    require_open,
)
from pimm.ledger.services.sharing import allocate_all, cost_line_allocate, cost_line_create

__all__ = [
    "Tariffs",
    "allocate_all",
    "cost_line_allocate",
    "cost_line_create",
    "entry_reverse",
    "exam_day",
    "extra_fee_request",
    "fee_policy_set",
    "month_end",
    "month_of",
    "pay_compute",
    "period_close",
    "period_for",
    "refusal_reason",
    "require_open",
    "write_exam_entries",
]
