"""ORM rows <-> engine dataclasses (`pimm.engine.vacations`, `pimm.engine.booking`).

The engines work in naive local wall time (Europe/Paris); the database stores aware datetimes.
Engine ids are strings: devices are equipment primary keys, members are member primary keys.

Assumptions (until the registry has staffing and presence tables):
- MERM per site and half-day come from the site's active technologists' working time
  (`STAFFING_RATIO`, Saturday mornings `SATURDAY_RATIO`);
- a radiologist with the "interventional" competence is present on each site of their privileges
  every weekday morning and afternoon (devices flagged `requires_presence`);
- on a device requiring presence, shares are renormalised over the members that can ever be
  present there, and the plan says so (warning).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings

from pimm.engine import booking as eb
from pimm.engine import vacations as ev
from pimm.planning import models as pm
from pimm.registry import legal
from pimm.registry import selectors as registry

STAFFING_RATIO = {ev.Part.MORNING: 0.5, ev.Part.AFTERNOON: 0.5, ev.Part.EVENING: 0.25}
SATURDAY_RATIO = 0.2
MERM_DEFAULT = {"CT": 2, "MRI": 2, "PET_CT": 2, "GAMMA": 1, "INTERV": 2}


@functools.cache
def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def naive(value: dt.datetime) -> dt.datetime:
    """Aware -> naive local wall time (what the engines use)."""
    return value.astimezone(_zone()).replace(tzinfo=None)


def aware(value: dt.datetime) -> dt.datetime:
    """Naive local wall time -> aware (first occurrence on the autumn DST fold)."""
    return value.replace(tzinfo=_zone())


def day_start(day: dt.date) -> dt.datetime:
    return aware(dt.datetime.combine(day, dt.time()))


@dataclass(frozen=True)
class PlanningInput:
    plan_input: ev.PlanInput
    warnings: tuple[ev.Problem, ...]
    carried_from_id: int | None


def _profile(eq) -> pm.DeviceProfile:
    try:
        return eq.planning_profile
    except pm.DeviceProfile.DoesNotExist:
        return pm.DeviceProfile(
            equipment=eq,
            merm_required=MERM_DEFAULT.get(eq.modality, 1),
            requires_presence=eq.modality == "INTERV",
        )


def plan_input_for(plan: pm.VacationPlan) -> PlanningInput:
    """Build the planner's input from the registry and this app's tables."""
    warnings: list[ev.Problem] = []
    equipment = list(
        registry.active_equipment(platform_id=plan.platform_id).select_related("planning_profile")
    )
    hours = defaultdict(list)
    for h in pm.OpeningHours.objects.filter(equipment__in=equipment):
        hours[h.equipment_id].append(ev.Session(h.weekday, ev.Part(h.part), h.start, h.end))
    closures = defaultdict(list)
    lo, hi = day_start(plan.start), day_start(plan.end)
    for c in pm.Closure.objects.filter(equipment__in=equipment, start__lt=hi, end__gt=lo):
        closures[c.equipment_id].append(ev.Closure(naive(c.start), naive(c.end), c.reason, c.kind))
    # no vacation outside a valid ARS authorisation (expired, suspended, withdrawn: R28)
    last = plan.end - dt.timedelta(days=1)
    gaps = legal.unauthorised_spans([e.pk for e in equipment], plan.start, last)
    for eq in equipment:
        for first, after, reason in gaps.get(eq.pk, ()):
            closures[eq.pk].append(
                ev.Closure(naive(day_start(first)), naive(day_start(after)), reason, "closure")
            )
            warnings.append(
                ev.Problem(
                    "authorization",
                    f"{reason} L'appareil {eq.name} n'est pas planifié du "
                    f"{first:%d/%m/%Y} au {after - dt.timedelta(days=1):%d/%m/%Y}.",
                    severity="warning",
                    device_id=str(eq.pk),
                )
            )
    devices = []
    for eq in equipment:
        if not hours[eq.pk]:
            warnings.append(
                ev.Problem(
                    "opening_hours",
                    f"L'appareil {eq.name} n'a pas d'horaires d'ouverture : il n'est pas planifié.",
                    severity="warning",
                    device_id=str(eq.pk),
                )
            )
            continue
        profile = _profile(eq)
        devices.append(
            ev.Device(
                id=str(eq.pk),
                modality=eq.modality,
                site=eq.site.name,
                sessions=tuple(sorted(hours[eq.pk], key=lambda s: (s.weekday, s.start))),
                closures=tuple(closures[eq.pk]),
                open_on_holidays=profile.open_on_holidays,
                merm_required=profile.merm_required,
                requires_presence=profile.requires_presence,
                name=eq.name,
            )
        )
    convention = registry.convention_in_force(platform_id=plan.platform_id, day=plan.start)
    shares = registry.time_shares(convention=convention) if convention else []
    members = tuple(ev.Member(str(s.member_id), s.member_name) for s in shares)

    presence_pairs = registry.practitioners_with_competence(
        platform_id=plan.platform_id, competence="interventional"
    )
    site_names = {eq.site_id: eq.site.name for eq in equipment}
    presence = []
    present: dict[str, set[str]] = defaultdict(set)  # site name -> member ids
    for member_id, site_id in presence_pairs:
        if site_id not in site_names:
            continue
        present[site_names[site_id]].add(str(member_id))
        for w in range(5):
            for part in (ev.Part.MORNING, ev.Part.AFTERNOON):
                presence.append(ev.Presence(str(member_id), site_names[site_id], part, weekday=w))

    def scope_shares(only: set[str] | None, label: str) -> tuple[ev.Share, ...]:
        base = [(str(s.member_id), float(s.percent), s.member_name) for s in shares]
        if only is not None:
            dropped = [name for mid, pct, name in base if mid not in only and pct > 0]
            base = [b for b in base if b[0] in only]
            if dropped:
                warnings.append(
                    ev.Problem(
                        "presence",
                        f"« {label} » : aucun radiologue de {', '.join(dropped)} ne peut être "
                        "présent sur le site ; les parts sont réparties entre les autres membres.",
                        severity="warning",
                    )
                )
        total = sum(b[1] for b in base)
        if not total:
            return ()
        out = [ev.Share(mid, round(100 * pct / total, 4)) for mid, pct, _name in base]
        residual = round(100 - sum(s.percent for s in out), 4)
        if residual:
            i = max(range(len(out)), key=lambda k: out[k].percent)
            out[i] = ev.Share(out[i].member_id, round(out[i].percent + residual, 4))
        return tuple(out)

    scopes = []
    if plan.pooled:
        by_modality: dict[str, list[ev.Device]] = defaultdict(list)
        for d in devices:
            by_modality[d.modality].append(d)
        for modality, devs in sorted(by_modality.items()):
            only = None
            if any(d.requires_presence for d in devs):
                only = set().union(*(present[d.site] for d in devs))
            label = f"{modality} (mutualisé)"
            scopes.append(
                ev.ShareScope(
                    code=f"pool:{modality}",
                    device_ids=tuple(d.id for d in devs),
                    shares=scope_shares(only, label),
                    label=label,
                )
            )
    else:
        for d in devices:
            only = present[d.site] if d.requires_presence else None
            scopes.append(ev.ShareScope.per_device(d, scope_shares(only, d.label)))

    fte = registry.technologist_fte_by_site(platform_id=plan.platform_id)
    staffing = []
    for eq in equipment:
        name = eq.site.name
        if any(s.site == name for s in staffing):
            continue
        total = fte.get(eq.site_id, 0.0)
        for w in range(5):
            for part, ratio in STAFFING_RATIO.items():
                staffing.append(ev.Staffing(name, part, round(total * ratio), weekday=w))
        staffing.append(
            ev.Staffing(name, ev.Part.MORNING, round(total * SATURDAY_RATIO), weekday=5)
        )

    previous = (
        pm.VacationPlan.objects.filter(
            platform_id=plan.platform_id,
            status=pm.VacationPlan.Status.PUBLISHED,
            end__lte=plan.start,
            pooled=plan.pooled,
        )
        .exclude(pk=plan.pk)
        .order_by("-end", "-pk")
        .first()
    )
    carry = ()
    if previous is not None:
        carry = tuple(
            ev.CarryOver(d.scope, str(d.member_id), d.deviation_hours)
            for d in previous.deviations.filter(month="")
        )
    return PlanningInput(
        ev.PlanInput(
            start=plan.start,
            end=plan.end,
            devices=tuple(devices),
            scopes=tuple(scopes),
            members=members,
            staffing=tuple(staffing),
            presence=tuple(presence),
            carry_over=carry,
        ),
        tuple(warnings),
        previous.pk if previous else None,
    )


# ---- booking ---------------------------------------------------------------------------------


def engine_exam_type(et: pm.ExamType) -> eb.ExamType:
    return eb.ExamType(et.code, et.modality, et.minutes)


def engine_templates() -> list[eb.SlotTemplate]:
    out = []
    for t in pm.SlotTemplate.objects.prefetch_related("specialised").order_by("code"):
        out.append(
            eb.SlotTemplate(
                code=t.code,
                slot_minutes=t.slot_minutes,
                emergency_slots=t.emergency_slots,
                emergency_slots_pdses=t.emergency_slots_pdses,
                emergency_release_minutes=t.emergency_release_minutes,
                specialised=tuple(
                    eb.SpecialisedQuota(
                        eb.Purpose(q.purpose),
                        q.slots,
                        q.release_minutes,
                        frozenset(q.weekdays) if q.weekdays else None,
                    )
                    for q in t.specialised.all()
                ),
                device_ids=frozenset({str(t.equipment_id)}) if t.equipment_id else None,
                modality=t.modality or None,
            )
        )
    return out


def bookable_devices(equipment) -> list[eb.BookableDevice]:
    out = []
    for eq in equipment:
        out.append(
            eb.BookableDevice(
                str(eq.pk), eq.modality, str(eq.site_id), accessible=_profile(eq).accessible
            )
        )
    return out


SLOT_FIELDS = (
    "pk",
    "equipment_id",
    "equipment__modality",
    "equipment__site_id",
    "start",
    "end",
    "purpose",
    "vacation_id",
    "member_id",
    "release_at",
    "pdses",
    "booking_id",
    "status",
    "closed_reason",
)


def engine_slot(row: dict) -> eb.Slot:
    return eb.Slot(
        id=str(row["pk"]),
        device_id=str(row["equipment_id"]),
        site=str(row["equipment__site_id"]),
        modality=row["equipment__modality"],
        start=naive(row["start"]),
        end=naive(row["end"]),
        purpose=eb.Purpose(row["purpose"]),
        vacation_id=str(row["vacation_id"] or f"s{row['pk']}"),
        member_id=str(row["member_id"]) if row["member_id"] else None,
        release_at=naive(row["release_at"]) if row["release_at"] else None,
        pdses=row["pdses"],
    )


def engine_order(
    *,
    reference: str,
    exam_type: pm.ExamType,
    priority: str,
    purpose: str,
    member_id: int | None,
    not_before: dt.datetime | None = None,
    needs_accessibility: bool = False,
    preferred_site_id: int | None = None,
) -> eb.Order:
    return eb.Order(
        id=reference,
        exam_type=exam_type.code,
        priority=eb.Priority(priority),
        purpose=eb.Purpose(purpose) if purpose else None,
        member_id=str(member_id) if member_id else None,
        not_before=naive(not_before) if not_before else None,
        needs_accessibility=needs_accessibility,
        preferred_site=str(preferred_site_id) if preferred_site_id else None,
        prefer_within_minutes=24 * 60 if preferred_site_id else 0,
    )


def slot_book(
    rows: list[dict],
    equipment,
    exam_types,
    *,
    horizon_days: int,
    orders: dict[int, eb.Order] | None = None,
) -> eb.SlotBook:
    """A SlotBook over these slot rows: taken and closed ones are marked as such. `orders`
    (booking id -> order) gives the taken slots their real order (for indicators)."""
    orders = orders or {}
    slots = [engine_slot(r) for r in rows]
    # each taken slot is its own engine booking (a block may be cut by the rows' time window)
    held = [
        eb.Booking(
            order=_held_order(orders.get(s_row["booking_id"]), f"b{s_row['booking_id']}:{s.id}"),
            slot_ids=(s.id,),
            device_id=s.device_id,
            site=s.site,
            start=s.start,
            end=s.end,
            purposes=(s.purpose,),
            released=False,
        )
        for s, s_row in zip(slots, rows, strict=True)
        if s_row["booking_id"]
    ]
    book = eb.SlotBook(
        slots,
        bookable_devices(equipment),
        [engine_exam_type(e) for e in exam_types],
        horizon_days=horizon_days,
        bookings=held,
    )
    for r in rows:
        if r["status"] == pm.Slot.Status.CLOSED:
            s = book.slot(str(r["pk"]))
            book.close(s.device_id, s.start, s.end, r["closed_reason"] or "fermeture")
    return book


def _held_order(order: eb.Order | None, key: str) -> eb.Order:
    if order is None:
        return eb.Order(id=key, exam_type="")
    return eb.Order(
        id=key, exam_type=order.exam_type, priority=order.priority, purpose=order.purpose
    )
