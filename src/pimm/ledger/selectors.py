"""Reads of the ledger: member statements and the platform's totals, entries with their
sources, pay lines, the to-fix list, and ``attention`` for the coordinator's dashboard."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, DecimalField, Q, Sum, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _

from pimm.ledger import access
from pimm.ledger import models as lm
from pimm.registry import selectors as registry

K = lm.Entry.Kind
ZERO = Decimal("0.00")


def cents(value) -> Decimal:
    """A database sum back to the cent: SQLite sums decimals as binary floats (an error far
    below half a cent for any sum under 10^12 €), PostgreSQL exactly; both end here."""
    return Decimal(str(value or 0)).quantize(ZERO)


def periods(*, platform_id: int | None = None):
    qs = lm.Period.objects.all()
    if platform_id is not None:
        qs = qs.filter(platform_id=platform_id)
    return qs.order_by("-month")


@dataclass
class Statement:
    """One member's month: what it produced (acts, technical fees, supplements, extra fees),
    what it owes (its share of costs), what it is owed (its share of revenue), the balance."""

    period: lm.Period
    member_id: int
    member_code: str
    member_name: str
    produced: Decimal = ZERO
    owes: Decimal = ZERO
    owed: Decimal = ZERO
    acts: int = 0
    by_kind: dict[str, Decimal] = field(default_factory=dict)

    @property
    def balance(self) -> Decimal:
        return self.owed - self.owes


def _sums(qs):
    """One aggregate query: the sums per member and kind."""
    return qs.values("member_id", "kind").annotate(total=Sum("amount")).order_by()


def statements(*, period: lm.Period, member_id: int | None = None) -> list[Statement]:
    """Every member's statement of the month (or one member's), one aggregate query."""
    members = [
        m for m in registry.members(member_id=member_id) if m.platform_id == period.platform_id
    ]
    out = {m.pk: Statement(period, m.pk, m.code, m.name) for m in members}
    qs = lm.Entry.objects.filter(period=period)
    if member_id is not None:
        qs = qs.filter(member_id=member_id)
    for row in _sums(qs):
        st = out.get(row["member_id"])
        if st is None:
            continue
        total = cents(row["total"])
        st.by_kind[row["kind"]] = total
        if row["kind"] in lm.Entry.PRODUCED:
            st.produced += total
        elif row["kind"] == K.COST_SHARE:
            st.owes += total
        elif row["kind"] == K.REVENUE_SHARE:
            st.owed += total
    acts = (
        qs.filter(kind=K.ACT)
        .values("member_id")
        .annotate(
            n=Sum(
                Case(
                    When(reverses__isnull=True, then=Value(1)),
                    default=Value(-1),
                    output_field=DecimalField(),
                )
            )
        )
        .order_by()
    )
    for row in acts:
        if row["member_id"] in out:
            out[row["member_id"]].acts = int(row["n"] or 0)
    return sorted(out.values(), key=lambda s: s.member_name)


@dataclass(frozen=True)
class Totals:
    produced: Decimal
    owes: Decimal
    owed: Decimal
    costs: Decimal  # the cost lines of the month (allocated or not)
    revenue: Decimal

    @property
    def balance(self) -> Decimal:
        return self.owed - self.owes


def platform_totals(*, period: lm.Period) -> Totals:
    """The platform's totals straight from the rows (the statements must add up to these)."""
    e = lm.Entry.objects.filter(period=period).aggregate(
        produced=Sum("amount", filter=Q(kind__in=lm.Entry.PRODUCED)),
        owes=Sum("amount", filter=Q(kind=K.COST_SHARE)),
        owed=Sum("amount", filter=Q(kind=K.REVENUE_SHARE)),
    )
    c = period.cost_lines.aggregate(
        costs=Sum("amount", filter=Q(kind=lm.CostLine.Kind.COST)),
        revenue=Sum("amount", filter=Q(kind=lm.CostLine.Kind.REVENUE)),
    )
    return Totals(
        cents(e["produced"]),
        cents(e["owes"]),
        cents(e["owed"]),
        cents(c["costs"]),
        cents(c["revenue"]),
    )


@dataclass
class MemberMonth:
    """One member's money in one month (read by the evaluation room's financial balance):
    produced by its activity, its share of the platform's revenue and of its costs."""

    month: dt.date
    member_id: int
    member_code: str
    member_name: str
    closed: bool
    produced: Decimal = ZERO
    owed: Decimal = ZERO
    owes: Decimal = ZERO

    @property
    def result(self) -> Decimal:
        """What the cooperation brought the member: produced + share of revenue - of costs."""
        return self.produced + self.owed - self.owes


def monthly_balances(
    *, platform_id: int, start: dt.date, end: dt.date, member_id: int | None = None
) -> list[MemberMonth]:
    """Every member's month for the months of ``platform_id`` starting in [start, end) that hold
    entries (one aggregate query), ordered by month then member name."""
    qs = lm.Entry.objects.filter(
        period__platform_id=platform_id, period__month__gte=start, period__month__lt=end
    )
    if member_id is not None:
        qs = qs.filter(member_id=member_id)
    rows = (
        qs.values("period__month", "period__status", "member_id", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    members = {x.pk: x for x in registry.members(member_id=member_id)}
    out: dict[tuple[dt.date, int], MemberMonth] = {}
    for row in rows:
        member = members.get(row["member_id"])
        if member is None:
            continue
        key = (row["period__month"], member.pk)
        mm = out.get(key)
        if mm is None:
            mm = out[key] = MemberMonth(
                key[0],
                member.pk,
                member.code,
                member.name,
                row["period__status"] == lm.Period.Status.CLOSED,
            )
        total = cents(row["total"])
        if row["kind"] in lm.Entry.PRODUCED:
            mm.produced += total
        elif row["kind"] == K.COST_SHARE:
            mm.owes += total
        elif row["kind"] == K.REVENUE_SHARE:
            mm.owed += total
    return sorted(out.values(), key=lambda x: (x.month, x.member_name, x.member_id))


def entries_for(user, *, period: lm.Period, member_id: int | None = None, kind: str = ""):
    qs = access.visible_entries(user).filter(period=period)
    if member_id:
        qs = qs.filter(member_id=member_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related(
        "member", "practitioner", "exam", "cost_line", "convention", "equipment", "reverses"
    ).order_by("date", "pk")


def pay_lines_for(user, *, period: lm.Period, practitioner_id: int | None = None):
    qs = access.visible_pay_lines(user).filter(pool__period=period)
    if practitioner_id:
        qs = qs.filter(practitioner_id=practitioner_id)
    return qs.select_related("practitioner", "member", "pool")


def to_fix():
    return lm.ToFix.objects.filter(resolved_at__isnull=True).select_related("exam", "exam__member")


def attention(user, today: dt.date) -> list[dict]:
    """What the coordinator's dashboard shows of the ledger: exams whose entries wait for a
    tariff (or a mapping, a device), and past months still open."""
    if not access.can(user, "close"):
        return []
    out = []
    n = to_fix().count()
    if n:
        out.append(
            {
                "label": _("Examens signés sans tarif (à corriger)"),
                "count": n,
                "url": reverse("ledger:to_fix"),
                "level": "warning",
            }
        )
    late = lm.Period.objects.filter(
        status=lm.Period.Status.OPEN, month__lt=today.replace(day=1)
    ).count()
    if late:
        out.append(
            {
                "label": _("Mois échus à clore"),
                "count": late,
                "url": reverse("ledger:periods"),
                "level": "info",
            }
        )
    return out
