"""Dataclasses of the booking engine. Datetimes are naive local wall time (Europe/Paris)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, time


class Purpose(enum.StrEnum):
    GENERAL = "general"
    EMERGENCY = "emergency"
    PAEDIATRIC = "paediatric"
    DISABILITY = "disability"
    NEURO = "neuro"
    SCREENING = "screening"


RESERVED = frozenset(p for p in Purpose if p is not Purpose.GENERAL)


class Priority(enum.StrEnum):
    ROUTINE = "routine"
    EMERGENCY = "emergency"


@dataclass(frozen=True, slots=True)
class ExamType:
    code: str
    modality: str
    minutes: int


@dataclass(frozen=True, slots=True)
class BookableDevice:
    id: str
    modality: str
    site: str
    accessible: bool = True  # suitable for patients with reduced mobility
    exam_types: frozenset[str] | None = None  # None: every exam type of the modality


@dataclass(frozen=True, slots=True)
class VacationWindow:
    """A vacation the slots are cut from (from the vacation plan, or hand-made)."""

    id: str
    device_id: str
    start: datetime
    end: datetime
    member_id: str | None = None  # None: slots open to every member's orders
    pdses: bool = False  # PDSES hours (nights, weekends, holidays): more emergency slots


@dataclass(frozen=True, slots=True)
class SpecialisedQuota:
    purpose: Purpose
    slots: int
    release_minutes: int = 48 * 60
    weekdays: frozenset[int] | None = None  # None: every day


@dataclass(frozen=True, slots=True)
class SlotTemplate:
    """How a vacation is cut into slots. Matched by device id, else modality, else default."""

    code: str
    slot_minutes: int
    emergency_slots: int = 1
    emergency_slots_pdses: int = 2
    emergency_release_minutes: int = 120
    specialised: tuple[SpecialisedQuota, ...] = ()
    device_ids: frozenset[str] | None = None
    modality: str | None = None


@dataclass(frozen=True, slots=True)
class Slot:
    id: str
    device_id: str
    site: str
    modality: str
    start: datetime
    end: datetime
    purpose: Purpose
    vacation_id: str
    member_id: str | None = None
    release_at: datetime | None = None  # reserved slots: open to general orders from then on
    pdses: bool = False


@dataclass(frozen=True, slots=True)
class Order:
    """An exam to book. Patient constraints optional; sites allowed (hard) or preferred (soft)."""

    id: str
    exam_type: str
    priority: Priority = Priority.ROUTINE
    purpose: Purpose | None = None  # specialised need: only slots of that purpose (routine)
    member_id: str | None = None  # only that member's vacations (and shared ones); not emergencies
    not_before: datetime | None = None
    not_after: datetime | None = None
    earliest_time: time | None = None  # time-of-day window
    latest_time: time | None = None
    needs_accessibility: bool = False
    allowed_sites: frozenset[str] | None = None
    preferred_site: str | None = None
    prefer_within_minutes: int = 0  # take the preferred site if at most this much later


@dataclass(frozen=True, slots=True)
class Booking:
    order: Order
    slot_ids: tuple[str, ...]
    device_id: str
    site: str
    start: datetime
    end: datetime
    purposes: tuple[Purpose, ...]
    released: bool  # took a reserved slot after its release

    @property
    def id(self) -> str:
        return self.order.id


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str  # closed_device, past_slot, slot_taken, slot_reserved, unsuitable, no_slot, ...
    message: str


@dataclass(frozen=True, slots=True)
class Outcome:
    booking: Booking | None = None
    refusal: Refusal | None = None

    @property
    def ok(self) -> bool:
        return self.booking is not None
