"""Reads for the planning pages and API: plans with deviations, calendars, indicators."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import BooleanField, Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from pimm.engine import booking as eb
from pimm.planning import access, adapter
from pimm.planning import models as pm
from pimm.registry.models import Equipment, Site

S = pm.VacationPlan.Status


# ---- plans ---------------------------------------------------------------------------------


@dataclass
class DeviationRow:
    member: object
    scope: str
    scope_label: str
    period: pm.ShareDeviation
    months: dict[str, pm.ShareDeviation] = field(default_factory=dict)
    ytd_hours: float = 0.0
    ytd_total: float = 0.0

    @property
    def ytd_percent(self) -> float:
        return round(100 * self.ytd_hours / self.ytd_total, 2) if self.ytd_total else 0.0


@dataclass
class MemberTotal:
    member: object
    target_hours: float = 0.0
    assigned_hours: float = 0.0
    carried_in_hours: float = 0.0
    deviation_hours: float = 0.0
    total_hours: float = 0.0

    @property
    def deviation_percent(self) -> float:
        return round(100 * self.deviation_hours / self.total_hours, 2) if self.total_hours else 0.0


def plan_deviations(
    plan: pm.VacationPlan,
) -> tuple[list[str], list[DeviationRow], list[MemberTotal]]:
    """(months, rows per member and scope, totals per member). Year to date sums the monthly
    deviations of this plan and of the published plans of the same year before it."""
    lines = list(
        plan.deviations.select_related("member").order_by("member__name", "scope", "month")
    )
    months = sorted({d.month for d in lines if d.month})
    rows: dict[tuple[int, str], DeviationRow] = {}
    for d in lines:
        key = (d.member_id, d.scope)
        if not d.month:
            rows[key] = DeviationRow(d.member, d.scope, d.scope_label or d.scope, d)
    for d in lines:
        if d.month and (d.member_id, d.scope) in rows:
            rows[(d.member_id, d.scope)].months[d.month] = d
    year = str(plan.start.year)
    earlier = pm.ShareDeviation.objects.filter(
        plan__platform_id=plan.platform_id,
        plan__status=S.PUBLISHED,
        plan__end__lte=plan.start,
        month__startswith=year,
    ).exclude(plan=plan)
    ytd = defaultdict(lambda: [0.0, 0.0])
    for d in [*earlier, *(x for x in lines if x.month.startswith(year))]:
        ytd[(d.member_id, d.scope)][0] += d.deviation_hours
        ytd[(d.member_id, d.scope)][1] += d.total_hours
    totals: dict[int, MemberTotal] = {}
    for (member_id, scope), row in rows.items():
        row.ytd_hours, row.ytd_total = (round(v, 2) for v in ytd[(member_id, scope)])
        t = totals.setdefault(member_id, MemberTotal(row.member))
        t.target_hours += row.period.target_hours
        t.assigned_hours += row.period.assigned_hours
        t.carried_in_hours += row.period.carried_in_hours
        t.deviation_hours += row.period.deviation_hours
        t.total_hours += row.period.total_hours
    ordered = sorted(rows.values(), key=lambda r: (r.scope_label, r.member.name))
    return months, ordered, sorted(totals.values(), key=lambda t: t.member.name)


def plan_summary(plan: pm.VacationPlan) -> dict:
    counts = dict(
        plan.vacations.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return {
        "vacations": sum(counts.values()),
        "by_status": [(pm.Vacation.Status(k).label, v) for k, v in sorted(counts.items())],
        "slots": plan.slots.count(),
        "bookings": pm.Booking.objects.filter(slots__plan=plan, status="booked").distinct().count(),
    }


# ---- calendar ------------------------------------------------------------------------------


@dataclass
class CalendarCell:
    slot: pm.Slot
    label: str
    css: str
    booking: pm.Booking | None
    details: bool
    released: bool


def calendar_equipment(*, site_id: int | None = None):
    qs = Equipment.objects.filter(active=True).select_related("site").order_by("site__name", "name")
    if site_id:
        qs = qs.filter(site_id=site_id)
    return qs


def calendar_sites():
    return Site.objects.filter(equipment__active=True).distinct().order_by("name")


def calendar_days(
    *, user, equipment: list, start: dt.date, days: int, now: dt.datetime | None = None
):
    """For each day: for each device, its cells (slots with their booking, if any)."""
    now = now or timezone.now()
    lo = adapter.day_start(start)
    hi = adapter.day_start(start + dt.timedelta(days=days))
    slots = (
        pm.Slot.objects.filter(
            plan__status=S.PUBLISHED, equipment__in=equipment, start__gte=lo, start__lt=hi
        )
        .select_related("booking", "booking__exam_type", "member", "equipment__site")
        .order_by("start")
    )
    out = {start + dt.timedelta(days=i): {e.pk: [] for e in equipment} for i in range(days)}
    for s in slots:
        day = timezone.localtime(s.start).date()
        b = s.booking if s.booking_id and s.booking.status == "booked" else None
        released = s.reserved and s.release_at is not None and s.release_at <= now
        details = bool(b) and access.can_see_booking_details(
            user, b.member_id, s.equipment.site.member_id
        )
        if s.status == pm.Slot.Status.CLOSED:
            css, label = "closed", s.closed_reason or "fermée"
        elif b:
            css = "booked emergency" if b.priority == pm.Priority.EMERGENCY else "booked"
            label = f"{b.exam_type.code} · {b.patient_pseudonym}" if details else "occupé"
        elif s.purpose != pm.Purpose.GENERAL:
            css = f"reserved {s.purpose}" + (" released" if released else "")
            label = s.get_purpose_display() + (" (libérée)" if released else "")
        else:
            css, label = "free", "libre"
        if s.start < now:
            css += " past"
        out[day][s.equipment_id].append(CalendarCell(s, label, css, b, details, released))
    return out


# ---- indicators ----------------------------------------------------------------------------


def default_period(now: dt.datetime | None = None) -> tuple[dt.date, dt.date]:
    """The current month if a published plan covers today, else the first month of the latest
    published plan (indicators are read month by month, as the ARS reports them)."""
    today = timezone.localdate(now) if now else timezone.localdate()
    plan = pm.VacationPlan.objects.filter(
        status=S.PUBLISHED, start__lte=today, end__gt=today
    ).first()
    if plan is None:
        plan = pm.VacationPlan.objects.filter(status=S.PUBLISHED).order_by("-start").first()
        today = plan.start if plan else today
    first = today.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt


def third_next_available(*, modality: str, now: dt.datetime) -> float | None:
    """Days from now to the third next free slot a routine order without a specialised need could
    take (general, or reserved and already released), as `engine.booking.third_next_available`
    but answered by one indexed query instead of loading the horizon."""
    starts = list(
        pm.Slot.objects.filter(
            plan__status=S.PUBLISHED,
            equipment__modality=modality,
            equipment__active=True,
            booking__isnull=True,
            status=pm.Slot.Status.OPEN,
            start__gte=now,
            start__lt=now + dt.timedelta(days=90),
        )
        .filter(Q(purpose=pm.Purpose.GENERAL) | Q(release_at__lte=now))
        .order_by("start")
        .values_list("start", flat=True)[:3]
    )
    if len(starts) < 3:
        return None
    return round((starts[2] - now).total_seconds() / 86400, 3)


def indicators(*, start: dt.date, end: dt.date, now: dt.datetime | None = None) -> dict:
    """Utilisation, emergency and specialised slots over [start, end) (booking engine's
    indicators on the period's slots), third next available from now, share deviations."""
    now = now or timezone.now()
    equipment = list(
        Equipment.objects.filter(active=True).select_related("planning_profile", "site")
    )
    lo, hi = adapter.day_start(start), adapter.day_start(end)
    rows = list(
        pm.Slot.objects.filter(plan__status=S.PUBLISHED, start__gte=lo, start__lt=hi)
        .values(*adapter.SLOT_FIELDS)
        .order_by("equipment_id", "start")
    )
    booking_ids = {r["booking_id"] for r in rows if r["booking_id"]}
    orders = {
        b.pk: eb.Order(
            id=str(b.pk),
            exam_type="",
            priority=eb.Priority(b.priority),
            purpose=eb.Purpose(b.purpose) if b.purpose else None,
        )
        for b in pm.Booking.objects.filter(pk__in=booking_ids)
    }
    book = adapter.slot_book(rows, equipment, [], horizon_days=90, orders=orders)
    devs = pm.ShareDeviation.objects.filter(
        plan__status=S.PUBLISHED, plan__start__lt=end, plan__end__gt=start, month=""
    ).select_related("member")
    result = eb.booking_indicators(
        book, adapter.naive(lo), adapter.naive(hi), adapter.naive(now), devs
    )
    names = {str(e.pk): e for e in equipment}
    share = defaultdict(float)
    total = defaultdict(float)
    for d in devs:
        share[d.member.name] += d.deviation_hours
        total[d.member.name] += d.total_hours
    modalities = sorted({e.modality for e in equipment})
    return {
        "utilisation": sorted(
            ((names[d], round(100 * v, 1)) for d, v in result.utilisation.items() if d in names),
            key=lambda x: (x[0].site.name, x[0].name),
        ),
        "emergency_offered": result.emergency_offered,
        "emergency_used": result.emergency_used,
        "emergency_released_used": result.emergency_released_used,
        "specialised": [
            (
                pm.Purpose(p).label,
                result.specialised_offered.get(p, 0),
                result.specialised_used.get(p, 0),
            )
            for p in sorted(set(result.specialised_offered) | set(result.specialised_used))
        ],
        "third_next": [(m, third_next_available(modality=m, now=now)) for m in modalities],
        "share_deviation": sorted(
            (
                name,
                round(share[name], 1),
                round(100 * share[name] / total[name], 2) if total[name] else 0.0,
            )
            for name in share
        ),
    }


def bookings_for(user, *, q: str = ""):
    qs = access.visible(user, pm.Booking).select_related("exam_type", "equipment", "member")
    if q:
        qs = qs.filter(Q(order_reference__icontains=q) | Q(patient_pseudonym__icontains=q))
    return qs.order_by("-start")


def published_slots(*, equipment_ids=None):
    """The slots of published plans (what the calendar shows), for the FHIR API's Slot."""
    qs = pm.Slot.objects.filter(plan__status=S.PUBLISHED).select_related("booking", "equipment")
    if equipment_ids is not None:
        qs = qs.filter(equipment_id__in=equipment_ids)
    return qs


# ---- for the evaluation room (indicators over months) ---------------------------------------


@dataclass(frozen=True)
class SlotStat:
    """Published slots of one device in one local month, of one purpose, PDSES hours or not,
    booked or free: how many and how many minutes."""

    month: dt.date
    equipment_id: int
    site_id: int
    member_id: int | None  # the member whose session the slot belongs to
    purpose: str
    pdses: bool
    booked: bool
    count: int
    minutes: float


def slot_stats(
    *, start: dt.date, end: dt.date, member_id: int | None = None, site_id: int | None = None
) -> list[SlotStat]:
    """Open slots of published plans starting in [start, end), aggregated by the database per
    month, device, purpose, PDSES hours and booked/free (closed slots were never offered)."""
    qs = pm.Slot.objects.filter(
        plan__status=S.PUBLISHED,
        status=pm.Slot.Status.OPEN,
        start__gte=adapter.day_start(start),
        start__lt=adapter.day_start(end),
    )
    if member_id is not None:
        qs = qs.filter(member_id=member_id)
    if site_id is not None:
        qs = qs.filter(equipment__site_id=site_id)
    rows = (
        qs.annotate(
            month=TruncMonth("start"),
            length=ExpressionWrapper(F("end") - F("start"), output_field=DurationField()),
            booked=ExpressionWrapper(Q(booking__isnull=False), output_field=BooleanField()),
        )
        .values(
            "month", "equipment_id", "equipment__site_id", "member_id", "purpose", "pdses", "booked"
        )
        .annotate(n=Count("pk"), total=Sum("length"))
        .order_by()
    )
    return [
        SlotStat(
            month=r["month"].date() if isinstance(r["month"], dt.datetime) else r["month"],
            equipment_id=r["equipment_id"],
            site_id=r["equipment__site_id"],
            member_id=r["member_id"],
            purpose=r["purpose"],
            pdses=r["pdses"],
            booked=bool(r["booked"]),
            count=r["n"],
            minutes=r["total"].total_seconds() / 60 if r["total"] else 0.0,
        )
        for r in rows
    ]
