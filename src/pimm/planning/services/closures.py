"""Closures of a device: the slots they cover close, their bookings must be moved."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from pimm.planning import access
from pimm.planning import models as pm

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
