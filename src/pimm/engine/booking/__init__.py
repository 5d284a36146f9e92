"""Slots and bookings: slot templates cut vacations into slots; orders go to the earliest fit.

Public API: `generate_slots(windows, devices, templates)`, `SlotBook(slots, devices, exam_types)`
with `book`, `book_slot`, `move`, `cancel`, `close`, `find`, `check_slot`; `NaiveSlotBook`
(reference linear scan); `booking_indicators(...)`; `windows_from_plan(...)` (vacation plan ->
windows to cut slots from).
"""

from .engine import NaiveSlotBook, SlotBook, member_allowed, purpose_allowed
from .indicators import BookingIndicators, booking_indicators, third_next_available
from .model import (
    RESERVED,
    BookableDevice,
    Booking,
    ExamType,
    Order,
    Outcome,
    Priority,
    Purpose,
    Refusal,
    Slot,
    SlotTemplate,
    SpecialisedQuota,
    VacationWindow,
)
from .templates import generate_slots, template_for
from .windows import windows_from_plan

__all__ = [
    "RESERVED",
    "BookableDevice",
    "Booking",
    "BookingIndicators",
    "ExamType",
    "NaiveSlotBook",
    "Order",
    "Outcome",
    "Priority",
    "Purpose",
    "Refusal",
    "Slot",
    "SlotBook",
    "SlotTemplate",
    "SpecialisedQuota",
    "VacationWindow",
    "booking_indicators",
    "generate_slots",
    "member_allowed",
    "purpose_allowed",
    "template_for",
    "third_next_available",
    "windows_from_plan",
]
