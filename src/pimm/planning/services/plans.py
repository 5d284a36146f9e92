"""Vacation plans: create, solve (in a background task), publish over the previous plan."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pimm.accounts.lifecycle import can_move
from pimm.engine import booking as eb
from pimm.engine import vacations as ev
from pimm.engine.i18n import as_record, gettext_noop
from pimm.planning import access, adapter
from pimm.planning import models as pm

from ._base import PlanningRefused, _fmt, log

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
        from pimm.planning.tasks import solve_plan  # noqa: PLC0415 — tasks import services

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
    """Stored problems keep the French `message` and, for an engine message, its msgid and
    parameters (`pimm.engine.i18n`), so the plan page shows them in each reader's language."""
    out = []
    for p in problems:
        row = {k: v for k, v in asdict(p).items() if v is not None}
        record = as_record(p.message)
        if isinstance(record, dict):
            row |= {"message": record["text"], "msgid": record["msgid"], "params": record["params"]}
        out.append(row)
    return out


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
        plan._change_reason = gettext_noop(
            "Plan généré : %(assigned)d vacation(s) attribuée(s), %(closed)d fermée(s), "
            "%(unstaffed)d sans MERM, %(unassigned)d non attribuée(s) ; %(lines)d ligne(s) "
            "d'écart ; solveur %(status)s en %(seconds).1f s%(gap)s, écart maximal %(dev).1f h.",
            assigned=counts["assigned"],
            closed=counts["closed"],
            unstaffed=counts["unstaffed"],
            unassigned=counts["unassigned"],
            lines=len(result.deviations),
            status=pm.SOLVER_WORDS.get(result.solver_status, result.solver_status),
            seconds=result.solve_seconds,
            dev=result.max_abs_deviation_hours,
            gap=gettext_noop(" (à %(gap).1f %% de la borne prouvée)", gap=100 * result.gap)
            if result.gap is not None
            else "",
        )
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
        plan._change_reason = gettext_noop(
            "Échec du calcul : %(n)d problème(s) ; aucune vacation ni plage conservée.",
            n=len(problems),
        )
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
        if not can_move(plan.status, S.PUBLISHED):
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
            old._change_reason = gettext_noop(
                "Remplacé par le plan « %(new)s » : %(removed)d plage(s) libre(s) retirée(s), "
                "%(kept)d plage(s) avec rendez-vous reprise(s).",
                new=plan.name,
                removed=n_removed,
                kept=len(mine),
            )
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
        plan._change_reason = gettext_noop(
            "Plan publié : %(n)d plage(s) créée(s) dont %(emergency)d d'urgence et "
            "%(specialised)d spécialisée(s), sur %(vacations)d vacation(s) ; %(kept)d plage(s) "
            "avec rendez-vous reprise(s) d'un plan remplacé.",
            n=len(slots),
            emergency=purposes[pm.Purpose.EMERGENCY.value],
            specialised=len(slots)
            - purposes[pm.Purpose.EMERGENCY.value]
            - purposes[pm.Purpose.GENERAL.value],
            vacations=len(vacations),
            kept=len(kept_slots),
        )
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
