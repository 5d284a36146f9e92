"""Who may see and do what in the ledger: a member manager reads their member's statements,
entries, pay lines and extra-fee attempts; the ARS reviewer reads everything; the coordinator
(and the administrator) writes: tariffs, cost lines, allocations, closes months, the pay pool."""

from pimm.accounts.access import EVERYTHING, WRITERS, Rule, Rules
from pimm.accounts.roles import Role
from pimm.ledger import models as m

R = Role
MANAGER = frozenset({R.MEMBER_MANAGER})

RULES = Rules(
    objects={
        m.Entry: Rule(read_all=EVERYTHING, read_own=MANAGER, read_paths=("member",)),
        m.PayLine: Rule(read_all=EVERYTHING, read_own=MANAGER, read_paths=("member",)),
        m.ExtraFeeAttempt: Rule(read_all=EVERYTHING, read_own=MANAGER, read_paths=("member",)),
        m.Period: Rule(read_all=EVERYTHING | MANAGER),
        m.CostLine: Rule(read_all=EVERYTHING | MANAGER),
        m.Tariff: Rule(read_all=EVERYTHING | MANAGER),
        m.TechnicalFeeScale: Rule(read_all=EVERYTHING | MANAGER),
        m.ActMapping: Rule(read_all=EVERYTHING | MANAGER),
        m.ToFix: Rule(read_all=EVERYTHING),
        m.FeePolicy: Rule(read_all=EVERYTHING),
    },
    abilities={
        "ledger": EVERYTHING | MANAGER,  # the ledger's pages (rows then scoped)
        "statements_all": EVERYTHING,  # every member's statement, the platform totals, FEC
        "manage": WRITERS,  # tariffs, imports, cost lines, allocation, pay pool, fee policies
        "close": WRITERS,  # close a month, reverse an entry
        "extra_fee": WRITERS,  # record an extra-fee request (the platform's billing office)
    },
)
can = RULES.can
require = RULES.require


def visible_entries(user):
    return RULES.visible(user, m.Entry)


def visible_pay_lines(user):
    return RULES.visible(user, m.PayLine)


def visible_attempts(user):
    return RULES.visible(user, m.ExtraFeeAttempt)


def reads_member(user, member_id: int) -> bool:
    """Whether this user reads this member's statement."""
    return RULES.reads_for(user, m.Entry, member_id)


def access_period_for_user(user, pk) -> m.Period:
    return RULES.fetch(user, m.Period, pk)


def access_entry_for_user(user, pk) -> m.Entry:
    return RULES.fetch(user, m.Entry, pk)
