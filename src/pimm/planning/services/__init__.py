"""Writes to planning, each in one transaction, checked against the actor's rights.

Bookings: the engine (`pimm.engine.booking.SlotBook`) picks or checks the slot; the write then
claims the slots with a conditional UPDATE (`booking IS NULL AND status = open`) whose row count
must equal the number of slots, after locking them (`SELECT ... FOR UPDATE` on PostgreSQL;
SQLite's IMMEDIATE transactions serialise writers). A slot row holds at most one booking (one
foreign key), so two users booking the same slot at once get one booking and one clear refusal.
"""

from ._base import (  # noqa: F401
    CLAIM_ATTEMPTS,
    HORIZON_DAYS,
    SEARCH_WINDOWS_DAYS,
    PlanningRefused,
    _fmt,
    log,
)
from .bookings import (  # noqa: F401
    _active_slots,
    _apply_slots,
    _check_slot_ids,
    _claim,
    _closed_by_table,
    _equipment_for,
    _find_slot_ids,
    _lock,
    _now,
    _order_of,
    _slot_rows,
    _writable_booking,
    booking_cancel,
    booking_create,
    booking_move,
    booking_options,
    booking_propose,
)
from .closures import (  # noqa: F401
    closure_create,
    slots_follow_closures,
)
from .plans import (  # noqa: F401
    MAX_LISTED,
    SLOT_COLUMNS,
    _drop,
    _held_slots,
    _insert_slots,
    _orphan_message,
    _plan_failed,
    _problem_dicts,
    _purpose_for,
    _solve_requester,
    plan_create,
    plan_generate,
    plan_publish,
    plan_solve,
)
