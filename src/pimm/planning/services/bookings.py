"""Bookings: propose, book, move and cancel, the engine picking or checking the slots."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pimm.engine import booking as eb
from pimm.engine.i18n import gettext_noop
from pimm.planning import access, adapter
from pimm.planning import models as pm
from pimm.registry import legal
from pimm.registry.models import Equipment

from ._base import CLAIM_ATTEMPTS, HORIZON_DAYS, SEARCH_WINDOWS_DAYS, PlanningRefused, _fmt
from .plans import _purpose_for

# ---- bookings ------------------------------------------------------------------------------


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _slot_rows(qs) -> list[dict]:
    return list(qs.values(*adapter.SLOT_FIELDS).order_by("equipment_id", "start"))


def _equipment_for(modality: str):
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


def _closed_by_authorisation(rows: list[dict]) -> None:
    """Mark rows closed on days their device has no ARS authorisation in force (expired,
    suspended or withdrawn since the plan was published): never bookable, with the reason."""
    if not rows:
        return
    lo = min(timezone.localtime(r["start"]).date() for r in rows)
    hi = max(timezone.localtime(r["start"]).date() for r in rows)
    gaps = legal.unauthorised_spans({r["equipment_id"] for r in rows}, lo, hi)
    for r in rows:
        day = timezone.localtime(r["start"]).date()
        for first, after, reason in gaps.get(r["equipment_id"], ()):
            if first <= day < after:
                r["status"], r["closed_reason"] = pm.Slot.Status.CLOSED, reason


def _closed(rows: list[dict]) -> None:
    _closed_by_table(rows)
    _closed_by_authorisation(rows)


def _active_slots():
    return pm.Slot.objects.filter(plan__status=pm.VacationPlan.Status.PUBLISHED)


def _find_slot_ids(order: eb.Order, exam_type: pm.ExamType, now: dt.datetime) -> list[int]:
    """The engine's earliest fitting block, searched in widening time windows."""
    return _find_blocks(order, exam_type, now, count=1)[0]


def _find_blocks(
    order: eb.Order, exam_type: pm.ExamType, now: dt.datetime, *, count: int
) -> list[list[int]]:
    """Up to ``count`` fitting blocks (slot ids), one per day, earliest first, searched in
    widening time windows until ``count`` are found or the horizon is reached."""
    equipment = _equipment_for(exam_type.modality)
    lo = max(now, adapter.aware(order.not_before)) if order.not_before else now
    refusal = None
    blocks: list[list[int]] = []
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
        _closed(rows)
        book = adapter.slot_book(rows, equipment, [exam_type], horizon_days=HORIZON_DAYS)
        found = book.find_options(order, adapter.naive(now), count)
        if isinstance(found, eb.Refusal):
            refusal = found
            if found.code != "no_slot":
                break
            continue
        blocks = [[int(s.id) for s in book.slots[dev][p:q]] for dev, p, q in found]
        if len(blocks) >= count or days == HORIZON_DAYS:
            return blocks
    if blocks:
        return blocks
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
    day = timezone.localtime(slot.start).date()
    if reason := legal.refusal(slot.equipment_id, day, day):
        raise PlanningRefused("not_authorised", reason)
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
    _closed(rows)
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


def booking_options(
    *,
    actor,
    exam_type: pm.ExamType,
    member,
    count: int = 5,
    priority: str = pm.Priority.ROUTINE,
    purpose: str = "",
    preferred_site=None,
    not_before: dt.datetime | None = None,
    needs_accessibility: bool = False,
    now: dt.datetime | None = None,
) -> list[list[pm.Slot]]:
    """The next ``count`` fitting blocks the engine would book, one per day, in date order, so
    that the secretary chooses the date with the patient (nothing is written)."""
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
    blocks = _find_blocks(order, exam_type, _now(now), count=max(1, min(count, 20)))
    slots = pm.Slot.objects.filter(pk__in=[pk for b in blocks for pk in b])
    by_pk = {s.pk: s for s in slots.select_related("equipment__site")}
    return [[by_pk[pk] for pk in b] for b in blocks]


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
        booking._change_reason = gettext_noop(
            "déplacé du %(start)s (%(dev)s) au %(new)s (%(newdev)s)",
            start=before[0],
            dev=str(before[1]),
            new=_fmt(booking.start),
            newdev=str(slots[0].equipment),
        )
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
