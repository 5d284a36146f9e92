"""Writes to planning, each in one transaction, checked against the actor's rights.

Bookings: the engine (`pimm.engine.booking.SlotBook`) picks or checks the slot; the write then
claims the slots with a conditional UPDATE (`booking IS NULL AND status = open`) whose row count
must equal the number of slots, after locking them (`SELECT ... FOR UPDATE` on PostgreSQL;
SQLite's IMMEDIATE transactions serialise writers). A slot row holds at most one booking (one
foreign key), so two users booking the same slot at once get one booking and one clear refusal.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import asdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pimm.engine import booking as eb
from pimm.engine import vacations as ev
from pimm.planning import access, adapter
from pimm.planning import models as pm

log = logging.getLogger(__name__)
HORIZON_DAYS = 90
SEARCH_WINDOWS_DAYS = (3, 21, HORIZON_DAYS)
CLAIM_ATTEMPTS = 3


class PlanningRefused(Exception):
    """A request the rules refuse, with a code and a French message for the user."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _fmt(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


# ---- vacation plans ------------------------------------------------------------------------


def plan_create(
    *,
    actor,
    platform,
    name: str,
    start: dt.date,
    end: dt.date,
    pooled: bool = False,
    method: str = pm.VacationPlan.Method.CPSAT,
    time_limit_s: int = 10,
) -> pm.VacationPlan:
    if not access.can(actor, "manage_plans"):
        raise PermissionDenied(_("Seule la coordination établit les plans de vacations."))
    plan = pm.VacationPlan(
        platform=platform,
        name=name,
        start=start,
        end=end,
        pooled=pooled,
        method=method,
        time_limit_s=time_limit_s,
        created_by=actor,
    )
    plan.full_clean()
    if (end - start).days > 366:
        raise ValidationError({"end": _("Un plan couvre au plus un an.")})
    with transaction.atomic():
        plan._history_user = actor
        plan.save()
    return plan


def plan_generate(*, actor, plan: pm.VacationPlan) -> pm.VacationPlan:
    """Queue the solve (a task); the plan shows "calcul en cours" until it is done."""
    if not access.can(actor, "manage_plans"):
        raise PermissionDenied(_("Seule la coordination établit les plans de vacations."))
    S = pm.VacationPlan.Status
    with transaction.atomic():
        claimed = pm.VacationPlan.objects.filter(
            pk=plan.pk, status__in=[S.DRAFT, S.READY, S.FAILED]
        ).update(status=S.SOLVING, problems=[])
        if not claimed:
            plan.refresh_from_db()
            raise PlanningRefused(
                "plan_state",
                _("Le plan « %(plan)s » est %(status)s : il ne peut pas être recalculé.")
                % {"plan": plan.name, "status": plan.get_status_display()},
            )
        plan.refresh_from_db()
        plan._history_user = actor
        plan.save(update_fields=["status"])  # one audited row: who asked for the solve
        from pimm.planning.tasks import solve_plan

        transaction.on_commit(lambda: solve_plan.enqueue(plan.pk))
    return plan


def _drop(queryset) -> None:
    """Delete generated rows (vacations, slots, deviation lines) in one statement: they carry no
    per-row history (their plan's history records who generated or replaced them)."""
    queryset._raw_delete(queryset.db)


def _solve_requester(plan: pm.VacationPlan):
    """Who asked for the solve running now (the task runs without a user)."""
    asked = plan.history.filter(status=pm.VacationPlan.Status.SOLVING).order_by("-history_date")
    last = asked.select_related("history_user").first()
    return last.history_user if last else None


def _problem_dicts(problems) -> list[dict]:
    return [{k: v for k, v in asdict(p).items() if v is not None} for p in problems]


def plan_solve(*, plan_id: int) -> pm.VacationPlan:
    """Solve a plan queued by `plan_generate` and write it at once, or write only the reasons."""
    plan = pm.VacationPlan.objects.get(pk=plan_id)
    if plan.status != pm.VacationPlan.Status.SOLVING:
        return plan
    try:
        built = adapter.plan_input_for(plan)
        options = ev.PlanOptions(time_limit_s=float(plan.time_limit_s), workers=2, seed=0)
        if plan.method == pm.VacationPlan.Method.GREEDY:
            result = ev.greedy_plan(built.plan_input)
        else:
            result = ev.plan_vacations(built.plan_input, options)
    except Exception as exc:  # a bug must not leave the plan "solving" forever
        log.exception("vacation plan %s failed", plan_id)
        return _plan_failed(plan_id, [ev.Problem("internal", _("Erreur interne : %s") % exc)])
    if not built.plan_input.devices:
        return _plan_failed(
            plan_id,
            [
                ev.Problem("no_device", _("Aucun appareil en service n'a d'horaires d'ouverture.")),
                *built.warnings,
            ],
        )
    if not result.feasible:
        return _plan_failed(plan_id, [*result.problems, *built.warnings], result)
    members = {str(m.pk): m.pk for m in plan.platform.members.all()}
    scope_labels = {s.code: s.label or s.code for s in built.plan_input.scopes}
    with transaction.atomic():
        plan = pm.VacationPlan.objects.select_for_update().get(pk=plan_id)
        if plan.status != pm.VacationPlan.Status.SOLVING:
            return plan
        _drop(plan.slots.all())
        _drop(plan.vacations.all())
        _drop(plan.deviations.all())
        pm.Vacation.objects.bulk_create(
            [
                pm.Vacation(
                    plan=plan,
                    equipment_id=int(a.vacation.device_id),
                    day=a.vacation.day,
                    part=a.vacation.part.value,
                    start=adapter.aware(a.vacation.start),
                    end=adapter.aware(a.vacation.end),
                    bad_hours=a.vacation.bad,
                    status=a.status.value,
                    member_id=members.get(a.member_id) if a.member_id else None,
                    reason=a.reason[:255],
                )
                for a in result.assignments
            ],
            batch_size=1000,
        )
        pm.ShareDeviation.objects.bulk_create(
            [
                pm.ShareDeviation(
                    plan=plan,
                    member_id=members[ln.member_id],
                    scope=ln.scope_code,
                    scope_label=scope_labels.get(ln.scope_code, ln.scope_code),
                    month=ln.month or "",
                    share_percent=ln.share_percent,
                    total_hours=ln.total_hours,
                    target_hours=ln.target_hours,
                    assigned_hours=ln.assigned_hours,
                    carried_in_hours=ln.carried_in_hours,
                    deviation_hours=ln.deviation_hours,
                    deviation_percent=ln.deviation_percent,
                    deviation_vacations=ln.deviation_vacations,
                )
                for ln in result.deviations
            ],
            batch_size=1000,
        )
        plan.status = pm.VacationPlan.Status.READY
        plan._history_user = _solve_requester(plan)
        counts = defaultdict(int)
        for a in result.assignments:
            counts[a.status.value] += 1
        plan._change_reason = _(
            "Plan généré : %(assigned)d vacation(s) attribuée(s), %(closed)d fermée(s), "
            "%(unstaffed)d sans MERM, %(unassigned)d non attribuée(s) ; %(lines)d ligne(s) "
            "d'écart ; solveur %(status)s en %(seconds).1f s%(gap)s, écart maximal %(dev).1f h."
        ) % {
            "assigned": counts["assigned"],
            "closed": counts["closed"],
            "unstaffed": counts["unstaffed"],
            "unassigned": counts["unassigned"],
            "lines": len(result.deviations),
            "status": result.solver_status,
            "seconds": result.solve_seconds,
            "dev": result.max_abs_deviation_hours,
            "gap": _(" (à %(gap).1f %% de la borne prouvée)") % {"gap": 100 * result.gap}
            if result.gap is not None
            else "",
        }
        plan.problems = _problem_dicts([*result.problems, *built.warnings])
        plan.solver_status = result.solver_status
        plan.solve_seconds = round(result.solve_seconds, 3)
        plan.max_deviation_hours = result.max_abs_deviation_hours
        plan.max_deviation_vacations = result.max_abs_deviation_vacations
        plan.carried_from_id = built.carried_from_id
        plan.save()
    return plan


def _plan_failed(plan_id: int, problems, result=None) -> pm.VacationPlan:
    """Nothing but the reasons is written; the plan's previous vacations are removed."""
    with transaction.atomic():
        plan = pm.VacationPlan.objects.select_for_update().get(pk=plan_id)
        _drop(plan.slots.all())
        _drop(plan.vacations.all())
        _drop(plan.deviations.all())
        plan.status = pm.VacationPlan.Status.FAILED
        plan._history_user = _solve_requester(plan)
        plan._change_reason = _(
            "Échec du calcul : %(n)d problème(s) ; aucune vacation ni plage conservée."
        ) % {"n": len(problems)}
        plan.problems = _problem_dicts(problems)
        plan.solver_status = result.solver_status if result else ""
        plan.solve_seconds = round(result.solve_seconds, 3) if result else None
        plan.max_deviation_hours = plan.max_deviation_vacations = None
        plan.save()
    return plan


MAX_LISTED = 25


def _purpose_for(exam_type: pm.ExamType, priority: str, purpose: str) -> str:
    """A routine order of a specialised exam type asks for that purpose unless told otherwise."""
    return purpose or (exam_type.purpose if priority == pm.Priority.ROUTINE else "")


def _held_slots(old: pm.VacationPlan, lo: dt.datetime, hi: dt.datetime) -> list[pm.Slot]:
    """Slots of a published plan, inside [lo, hi), that hold an active booking."""
    return list(
        pm.Slot.objects.filter(
            plan=old, booking__status=pm.Booking.Status.BOOKED, start__lt=hi, end__gt=lo
        )
        .select_related("booking__exam_type", "equipment", "member")
        .order_by("start", "equipment_id")
    )


def _orphan_message(plan: pm.VacationPlan, orphans: list[pm.Slot]) -> str:
    bookings = {}
    for s in orphans:
        bookings.setdefault(s.booking_id, s)
    lines = [
        _("« %(ref)s » (%(exam)s, %(device)s, %(when)s, vacation de %(member)s)")
        % {
            "ref": s.booking.order_reference,
            "exam": s.booking.exam_type.label,
            "device": s.equipment.name,
            "when": _fmt(s.booking.start),
            "member": s.member.name if s.member else _("aucun membre"),
        }
        for s in list(bookings.values())[:MAX_LISTED]
    ]
    more = len(bookings) - len(lines)
    return (
        _(
            "Le plan « %(plan)s » ne peut pas être publié : %(n)d rendez-vous perdraient leur "
            "plage (aucune vacation du même membre sur le même appareil ne les couvre dans le "
            "nouveau plan). Déplacez-les ou annulez-les, ou modifiez le plan : "
        )
        % {"plan": plan.name, "n": len(bookings)}
        # Translators: list separator (French puts a space before the semicolon)
        + _(" ; ").join(lines)
        + (_(" ; et %(n)d autre(s).") % {"n": more} if more else ".")
    )


def plan_publish(*, actor, plan: pm.VacationPlan) -> pm.VacationPlan:
    """Publish a ready plan: cut its assigned vacations into slots.

    An overlapping published plan is superseded: its free slots in the overlap are removed; the
    slots holding bookings are kept (moved to the new plan, attached to its vacation) when a
    vacation of the same member on the same device still covers them, and no new slot is cut
    over them. If any booking would lose its slot, nothing is written and the refusal lists them.
    The plan's history (and AuditEvent) records who published, with the counts.
    """
    if not access.can(actor, "manage_plans"):
        raise PermissionDenied(_("Seule la coordination publie les plans de vacations."))
    S = pm.VacationPlan.Status
    templates = adapter.engine_templates()
    with transaction.atomic():
        plan = pm.VacationPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != S.READY:
            raise PlanningRefused(
                "plan_state",
                _("Seul un plan prêt peut être publié (ce plan est %(status)s).")
                % {"status": plan.get_status_display()},
            )
        lo, hi = adapter.day_start(plan.start), adapter.day_start(plan.end)
        overlapping = list(
            pm.VacationPlan.objects.select_for_update().filter(
                platform_id=plan.platform_id,
                status=S.PUBLISHED,
                start__lt=plan.end,
                end__gt=plan.start,
            )
        )
        vacations = list(
            plan.vacations.filter(status=pm.Vacation.Status.ASSIGNED).select_related("equipment")
        )
        covering: dict[tuple[int, int], list[pm.Vacation]] = defaultdict(list)
        for v in vacations:
            covering[(v.equipment_id, v.member_id)].append(v)
        keep: dict[int, int] = {}  # held slot -> the new plan's vacation that covers it
        orphans: list[pm.Slot] = []
        held_by_old: dict[int, list[pm.Slot]] = {}
        for old in overlapping:
            held_by_old[old.pk] = _held_slots(old, lo, hi)
            for slot in held_by_old[old.pk]:
                home = next(
                    (
                        v
                        for v in covering.get((slot.equipment_id, slot.member_id), ())
                        if v.start <= slot.start and slot.end <= v.end
                    ),
                    None,
                )
                if home is None:
                    orphans.append(slot)
                else:
                    keep[slot.pk] = home.pk
        # a booking spread over several slots is kept whole or not at all
        orphan_bookings = {s.booking_id for s in orphans}
        for slots in held_by_old.values():
            orphans += [s for s in slots if s.booking_id in orphan_bookings and s.pk in keep]
        if orphans:
            raise PlanningRefused("plan_orphans", _orphan_message(plan, orphans))

        kept_slots = [s for slots in held_by_old.values() for s in slots]
        for old in overlapping:
            mine = held_by_old[old.pk]
            by_vacation: dict[int, list[int]] = defaultdict(list)
            for s in mine:
                by_vacation[keep[s.pk]].append(s.pk)
            for vacation_id, ids in by_vacation.items():
                pm.Slot.objects.filter(pk__in=ids).update(plan=plan, vacation_id=vacation_id)
            removed = old.slots.filter(start__lt=hi, end__gt=lo)
            n_removed = removed.count()
            _drop(removed)
            old.status = S.SUPERSEDED
            old._history_user = actor
            old._change_reason = _(
                "Remplacé par le plan « %(new)s » : %(removed)d plage(s) libre(s) retirée(s), "
                "%(kept)d plage(s) avec rendez-vous reprise(s)."
            ) % {"new": plan.name, "removed": n_removed, "kept": len(mine)}
            old.save(update_fields=["status"])
        equipment = {v.equipment_id: v.equipment for v in vacations}
        holidays = ev.french_holidays(plan.start, plan.end)
        windows = [
            eb.VacationWindow(
                id=str(v.pk),
                device_id=str(v.equipment_id),
                start=adapter.naive(v.start),
                end=adapter.naive(v.end),
                member_id=str(v.member_id),
                pdses=ev.is_pdses(adapter.naive(v.start), holidays)
                or ev.is_pdses(adapter.naive(v.end) - dt.timedelta(minutes=1), holidays),
            )
            for v in vacations
        ]
        try:
            slots = eb.generate_slots(
                windows, adapter.bookable_devices(equipment.values()), templates
            )
        except ValueError as exc:
            raise PlanningRefused("no_template", str(exc)) from exc
        if kept_slots:  # no new slot over a kept one
            taken = defaultdict(list)
            for s in kept_slots:
                taken[s.equipment_id].append((adapter.naive(s.start), adapter.naive(s.end)))
            slots = [
                s
                for s in slots
                if not any(a < s.end and s.start < b for a, b in taken[int(s.device_id)])
            ]
        closures = list(
            pm.Closure.objects.filter(equipment_id__in=equipment, start__lt=hi, end__gt=lo)
        )
        _insert_slots(plan, slots, closures)
        purposes = defaultdict(int)
        for s in slots:
            purposes[s.purpose.value] += 1
        plan.status = S.PUBLISHED
        plan.published_at = timezone.now()
        plan._history_user = actor
        plan._change_reason = _(
            "Plan publié : %(n)d plage(s) créée(s) dont %(emergency)d d'urgence et "
            "%(specialised)d spécialisée(s), sur %(vacations)d vacation(s) ; %(kept)d plage(s) "
            "avec rendez-vous reprise(s) d'un plan remplacé."
        ) % {
            "n": len(slots),
            "emergency": purposes[pm.Purpose.EMERGENCY.value],
            "specialised": len(slots)
            - purposes[pm.Purpose.EMERGENCY.value]
            - purposes[pm.Purpose.GENERAL.value],
            "vacations": len(vacations),
            "kept": len(kept_slots),
        }
        plan.save()
    return plan


SLOT_COLUMNS = (
    "plan_id",
    "vacation_id",
    "equipment_id",
    "start",
    "end",
    "purpose",
    "member_id",
    "release_at",
    "pdses",
    "status",
    "closed_reason",
)


def _insert_slots(plan: pm.VacationPlan, slots: list[eb.Slot], closures: list[pm.Closure]) -> None:
    """Insert a plan's slots with one executemany (a quarter is tens of thousands of rows;
    Django's bulk_create spends most of its time building SQL). Closed slots keep their reason."""
    by_device = defaultdict(list)
    for c in closures:
        by_device[c.equipment_id].append((adapter.naive(c.start), adapter.naive(c.end), c.reason))
    ops = connection.ops
    values = []
    for s in slots:
        dev = int(s.device_id)
        reason = next((r for a, b, r in by_device[dev] if a < s.end and s.start < b), None)

        def dbtime(value):
            return ops.adapt_datetimefield_value(adapter.aware(value)) if value else None

        values.append(
            (
                plan.pk,
                int(s.vacation_id),
                dev,
                dbtime(s.start),
                dbtime(s.end),
                s.purpose.value,
                int(s.member_id) if s.member_id else None,
                dbtime(s.release_at),
                s.pdses,
                pm.Slot.Status.CLOSED if reason else pm.Slot.Status.OPEN,
                (reason or "")[:255],
            )
        )
    table = ops.quote_name(pm.Slot._meta.db_table)
    cols = ", ".join(ops.quote_name(c) for c in SLOT_COLUMNS)
    marks = ", ".join(["%s"] * len(SLOT_COLUMNS))
    sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"  # noqa: S608 (quoted identifiers)
    with connection.cursor() as cursor:
        for i in range(0, len(values), 5000):
            cursor.executemany(sql, values[i : i + 5000])


# ---- closures ------------------------------------------------------------------------------


def closure_create(
    *,
    actor,
    equipment,
    start: dt.datetime,
    end: dt.datetime,
    reason: str,
    kind: str = "maintenance",
) -> tuple[pm.Closure, list[pm.Booking]]:
    """Close a device: its slots in the period are closed; the bookings they hold are returned
    (still booked: they must be moved)."""
    if not access.can_close_equipment(actor, equipment):
        raise PermissionDenied(_("Vous ne pouvez pas fermer cet appareil."))
    closure = pm.Closure(equipment=equipment, start=start, end=end, reason=reason, kind=kind)
    closure.full_clean()
    with transaction.atomic():
        closure._history_user = actor
        closure.save()  # the post_save handler closes the slots (slots_follow_closures)
        bookings = list(
            pm.Booking.objects.filter(
                status=pm.Booking.Status.BOOKED, equipment=equipment, start__lt=end, end__gt=start
            )
        )
    return closure, bookings


def slots_follow_closures(equipment_id: int, start: dt.datetime, end: dt.datetime) -> int:
    """Make the device's slots between ``start`` and ``end`` closed exactly where a closure
    covers them, whatever path created, moved or deleted the closure (the dedicated page, the
    setup pages, the admin). Returns how many slots changed state."""
    closures = list(
        pm.Closure.objects.filter(equipment_id=equipment_id, start__lt=end, end__gt=start)
    )
    changed = 0
    slots = pm.Slot.objects.filter(equipment_id=equipment_id, start__lt=end, end__gt=start)
    for slot in slots.only("pk", "start", "end", "status", "closed_reason"):
        reason = next(
            (c.reason for c in closures if c.start < slot.end and slot.start < c.end), None
        )
        status = pm.Slot.Status.CLOSED if reason is not None else pm.Slot.Status.OPEN
        if slot.status != status or (reason is not None and slot.closed_reason != reason[:255]):
            pm.Slot.objects.filter(pk=slot.pk).update(
                status=status, closed_reason=(reason or "")[:255]
            )
            changed += 1
    return changed


# ---- bookings ------------------------------------------------------------------------------


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _slot_rows(qs) -> list[dict]:
    return list(qs.values(*adapter.SLOT_FIELDS).order_by("equipment_id", "start"))


def _equipment_for(modality: str):
    from pimm.registry.models import Equipment

    return list(
        Equipment.objects.filter(modality=modality, active=True).select_related("planning_profile")
    )


def _closed_by_table(rows: list[dict]) -> None:
    """Mark rows closed that fall in a closure not yet applied to the slots (admin edits)."""
    if not rows:
        return
    lo = min(r["start"] for r in rows)
    hi = max(r["end"] for r in rows)
    devs = {r["equipment_id"] for r in rows}
    closures = list(pm.Closure.objects.filter(equipment_id__in=devs, start__lt=hi, end__gt=lo))
    for r in rows:
        for c in closures:
            if c.equipment_id == r["equipment_id"] and c.start < r["end"] and r["start"] < c.end:
                r["status"], r["closed_reason"] = pm.Slot.Status.CLOSED, c.reason


def _active_slots():
    return pm.Slot.objects.filter(plan__status=pm.VacationPlan.Status.PUBLISHED)


def _find_slot_ids(order: eb.Order, exam_type: pm.ExamType, now: dt.datetime) -> list[int]:
    """The engine's earliest fitting block, searched in widening time windows."""
    equipment = _equipment_for(exam_type.modality)
    lo = max(now, adapter.aware(order.not_before)) if order.not_before else now
    refusal = None
    for days in SEARCH_WINDOWS_DAYS:
        hi = (
            now + dt.timedelta(days=HORIZON_DAYS)
            if days == HORIZON_DAYS
            else lo + dt.timedelta(days=days)
        )
        rows = _slot_rows(
            _active_slots().filter(
                equipment__in=equipment,
                start__gte=lo,
                start__lt=hi,
                booking__isnull=True,
                status=pm.Slot.Status.OPEN,
            )
        )
        _closed_by_table(rows)
        book = adapter.slot_book(rows, equipment, [exam_type], horizon_days=HORIZON_DAYS)
        found = book.find(order, adapter.naive(now))
        if isinstance(found, eb.Refusal):
            refusal = found
            if found.code != "no_slot":
                break
            continue
        dev, p, q = found
        return [int(s.id) for s in book.slots[dev][p:q]]
    raise PlanningRefused(refusal.code, refusal.message)


def _check_slot_ids(
    order: eb.Order,
    exam_type: pm.ExamType,
    slot: pm.Slot,
    now: dt.datetime,
    *,
    ignore_booking: int | None = None,
) -> list[int]:
    """The block at `slot` if the rules allow this order there, else a refusal."""
    equipment = _equipment_for(exam_type.modality)
    if slot.plan.status != pm.VacationPlan.Status.PUBLISHED:
        raise PlanningRefused("unknown_slot", _("Cette plage n'appartient à aucun plan publié."))
    same_day = pm.Slot.objects.filter(
        equipment_id=slot.equipment_id,
        plan_id=slot.plan_id,
        start__gte=slot.start - dt.timedelta(hours=12),
        start__lt=slot.start + dt.timedelta(hours=12),
    )
    rows = _slot_rows(same_day)
    for r in rows:
        if ignore_booking and r["booking_id"] == ignore_booking:
            r["booking_id"] = None
    _closed_by_table(rows)
    equipment = equipment or [slot.equipment]
    if slot.equipment_id not in {e.pk for e in equipment}:
        equipment = [*equipment, slot.equipment]
    book = adapter.slot_book(rows, equipment, [exam_type], horizon_days=HORIZON_DAYS)
    found = book.check_slot(order, str(slot.pk), adapter.naive(now))
    if isinstance(found, eb.Refusal):
        raise PlanningRefused(found.code, found.message)
    dev, p, q = found
    return [int(s.id) for s in book.slots[dev][p:q]]


def _lock(slot_ids: list[int]) -> list[pm.Slot]:
    locked = pm.Slot.objects.filter(pk__in=slot_ids).order_by("pk")
    if connection.features.has_select_for_update:
        locked = locked.select_for_update()
    return sorted(locked, key=lambda s: s.start)


def _claim(booking: pm.Booking, slots: list[pm.Slot]) -> None:
    """Take the (locked) slots for the booking, or refuse: a conditional UPDATE, counted."""
    claimed = pm.Slot.objects.filter(
        pk__in=[s.pk for s in slots], booking__isnull=True, status=pm.Slot.Status.OPEN
    ).update(booking=booking)
    if claimed != len(slots):
        raise PlanningRefused(
            "slot_taken",
            _(
                "La plage du %(start)s vient d'être prise par un autre rendez-vous : "
                "choisissez-en une autre."
            )
            % {"start": _fmt(slots[0].start)},
        )


def _apply_slots(booking: pm.Booking, slots: list[pm.Slot], order: eb.Order, now) -> None:
    booking.equipment_id = slots[0].equipment_id
    booking.start, booking.end = slots[0].start, slots[-1].end
    reserved = [s for s in slots if s.purpose != pm.Purpose.GENERAL]
    booking.used_reserved = reserved[0].purpose if reserved else ""
    booking.released = any(
        not eb.purpose_allowed(order, eb.Purpose(s.purpose), False) for s in reserved
    )


def booking_propose(
    *,
    actor,
    exam_type: pm.ExamType,
    member,
    priority: str = pm.Priority.ROUTINE,
    purpose: str = "",
    preferred_site=None,
    not_before: dt.datetime | None = None,
    needs_accessibility: bool = False,
    now: dt.datetime | None = None,
) -> list[pm.Slot]:
    """The earliest fitting block the engine would book now (nothing is written)."""
    if not access.can_book_for(actor, member.pk):
        raise PermissionDenied(_("Vous ne pouvez pas prendre de rendez-vous pour ce membre."))
    order = adapter.engine_order(
        reference="proposal",
        exam_type=exam_type,
        priority=priority,
        purpose=_purpose_for(exam_type, priority, purpose),
        member_id=member.pk,
        not_before=not_before,
        needs_accessibility=needs_accessibility,
        preferred_site_id=preferred_site.pk if preferred_site else None,
    )
    ids = _find_slot_ids(order, exam_type, _now(now))
    return list(
        pm.Slot.objects.filter(pk__in=ids).select_related("equipment__site").order_by("start")
    )


def booking_create(
    *,
    actor,
    order_reference: str,
    exam_type: pm.ExamType,
    patient_pseudonym: str,
    member,
    priority: str = pm.Priority.ROUTINE,
    purpose: str = "",
    preferred_site=None,
    not_before: dt.datetime | None = None,
    needs_accessibility: bool = False,
    slot: pm.Slot | None = None,
    now: dt.datetime | None = None,
) -> pm.Booking:
    """Book an order into the earliest fitting slot (or the chosen `slot`), or refuse."""
    if not access.can_book_for(actor, member.pk):
        raise PermissionDenied(_("Vous ne pouvez pas prendre de rendez-vous pour ce membre."))
    now = _now(now)
    booking = pm.Booking(
        order_reference=order_reference.strip(),
        exam_type=exam_type,
        priority=priority,
        purpose=_purpose_for(exam_type, priority, purpose),
        patient_pseudonym=patient_pseudonym.strip(),
        member=member,
        created_by=actor,
    )
    booking.full_clean(exclude=["equipment", "start", "end"], validate_constraints=False)
    if pm.Booking.objects.filter(
        order_reference=booking.order_reference, status=pm.Booking.Status.BOOKED
    ).exists():
        raise PlanningRefused(
            "already_booked",
            _("La demande %(ref)s a déjà un rendez-vous.") % {"ref": booking.order_reference},
        )
    order = adapter.engine_order(
        reference=booking.order_reference,
        exam_type=exam_type,
        priority=priority,
        purpose=booking.purpose,
        member_id=member.pk,
        not_before=not_before,
        needs_accessibility=needs_accessibility,
        preferred_site_id=preferred_site.pk if preferred_site else None,
    )
    for attempt in range(1 if slot is not None else CLAIM_ATTEMPTS):
        try:
            with transaction.atomic():
                if slot is not None:
                    ids = _check_slot_ids(order, exam_type, slot, now)
                else:
                    ids = _find_slot_ids(order, exam_type, now)
                slots = _lock(ids)
                _apply_slots(booking, slots, order, now)
                booking._history_user = actor
                booking.save()
                _claim(booking, slots)
            return booking
        except PlanningRefused as exc:
            booking.pk = None
            if exc.code != "slot_taken" or slot is not None or attempt == CLAIM_ATTEMPTS - 1:
                raise
        except IntegrityError as exc:
            booking.pk = None
            raise PlanningRefused(
                "already_booked",
                _("La demande %(ref)s a déjà un rendez-vous.") % {"ref": booking.order_reference},
            ) from exc
    raise AssertionError("unreachable")


def _order_of(booking: pm.Booking) -> eb.Order:
    return adapter.engine_order(
        reference=booking.order_reference,
        exam_type=booking.exam_type,
        priority=booking.priority,
        purpose=booking.purpose,
        member_id=booking.member_id,
    )


def _writable_booking(actor, booking: pm.Booking) -> None:
    if not access.writable(actor, pm.Booking).filter(pk=booking.pk).exists():
        raise PermissionDenied(_("Vous ne pouvez pas modifier ce rendez-vous."))


def booking_move(
    *, actor, booking: pm.Booking, slot: pm.Slot, now: dt.datetime | None = None
) -> pm.Booking:
    """Move a booking to the block starting at `slot`, checked by the same rules."""
    _writable_booking(actor, booking)
    now = _now(now)
    with transaction.atomic():
        booking = pm.Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status != pm.Booking.Status.BOOKED:
            raise PlanningRefused("cancelled", _("Ce rendez-vous est annulé."))
        if booking.start < now:
            raise PlanningRefused(
                "past_slot",
                _("Le rendez-vous du %(start)s est déjà passé.") % {"start": _fmt(booking.start)},
            )
        order = _order_of(booking)
        ids = _check_slot_ids(order, booking.exam_type, slot, now, ignore_booking=booking.pk)
        before = _fmt(booking.start), str(booking.equipment)
        slots = _lock(ids)
        pm.Slot.objects.filter(booking=booking).update(booking=None)
        _claim(booking, slots)
        _apply_slots(booking, slots, order, now)
        booking.moves += 1
        booking._history_user = actor
        booking._change_reason = _("déplacé du %(start)s (%(dev)s) au %(new)s (%(newdev)s)") % {
            "start": before[0],
            "dev": before[1],
            "new": _fmt(booking.start),
            "newdev": slots[0].equipment,
        }
        booking.save()
    return booking


def booking_cancel(
    *, actor, booking: pm.Booking, reason: str, now: dt.datetime | None = None
) -> pm.Booking:
    _writable_booking(actor, booking)
    now = _now(now)
    if not reason.strip():
        raise ValidationError({"reason": _("Indiquez le motif de l'annulation.")})
    with transaction.atomic():
        booking = pm.Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status != pm.Booking.Status.BOOKED:
            raise PlanningRefused("cancelled", _("Ce rendez-vous est déjà annulé."))
        if booking.start < now:
            raise PlanningRefused(
                "past_slot",
                _("Le rendez-vous du %(start)s est déjà passé.") % {"start": _fmt(booking.start)},
            )
        pm.Slot.objects.filter(booking=booking).update(booking=None)
        booking.status = pm.Booking.Status.CANCELLED
        booking.cancel_reason = reason.strip()[:255]
        booking._history_user = actor
        booking._change_reason = booking.cancel_reason
        booking.save()
    return booking
