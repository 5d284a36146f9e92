"""Access and use indicators fed to the ARS evaluation."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .engine import SlotBook, _m
from .model import Priority, Purpose


@dataclass(frozen=True, slots=True)
class BookingIndicators:
    utilisation: dict[str, float]  # device -> booked minutes / open slot minutes
    emergency_offered: int
    emergency_used: int  # by emergency orders
    emergency_released_used: int  # reserved emergency slots used by other orders after release
    specialised_offered: dict[str, int]  # purpose -> slots
    specialised_used: dict[str, int]  # purpose -> slots used by orders of that purpose
    third_next_available_days: dict[str, float | None]  # modality -> days from `now`
    share_deviation_hours: dict[str, float]  # member -> sum of period deviations (plan)


def third_next_available(book: SlotBook, modality: str, now: datetime) -> float | None:
    """Days from `now` to the start of the third next free slot a routine general order of the
    modality could take (the usual access indicator)."""
    n = _m(now)
    starts: list[int] = []
    for dev in book.by_modality.get(modality, ()):
        found = 0
        for i, s in enumerate(book.slots[dev]):
            if book.start[dev][i] < n or book.taken[dev][i] or book.closed[dev][i]:
                continue
            if s.purpose is Purpose.GENERAL or book.release[dev][i] <= n:
                starts.append(book.start[dev][i])
                found += 1
                if found == 3:
                    break
    if len(starts) < 3:
        return None
    return round((sorted(starts)[2] - n) / 1440, 3)


def booking_indicators(
    book: SlotBook,
    start: datetime,
    end: datetime,
    now: datetime,
    deviations: Iterable = (),
) -> BookingIndicators:
    """Indicators over slots starting in [start, end). `deviations`: DeviationLine objects of a
    vacation plan (period lines are summed per member)."""
    a, b = _m(start), _m(end)
    offered_min: dict[str, int] = defaultdict(int)
    booked_min: dict[str, int] = defaultdict(int)
    em_offered = em_used = em_released = 0
    sp_offered: dict[str, int] = defaultdict(int)
    sp_used: dict[str, int] = defaultdict(int)
    for dev, ss in book.slots.items():
        for i, s in enumerate(ss):
            t = book.start[dev][i]
            if not a <= t < b or book.closed[dev][i] is not None:
                continue
            minutes = book.end[dev][i] - t
            offered_min[dev] += minutes
            bid = book.taken[dev][i]
            order = book.bookings[bid].order if bid else None
            if order is not None:
                booked_min[dev] += minutes
            if s.purpose is Purpose.EMERGENCY:
                em_offered += 1
                if order is not None and order.priority is Priority.EMERGENCY:
                    em_used += 1
                elif order is not None:
                    em_released += 1
            elif s.purpose is not Purpose.GENERAL:
                sp_offered[s.purpose.value] += 1
                if order is not None and order.purpose is s.purpose:
                    sp_used[s.purpose.value] += 1
    shares: dict[str, float] = defaultdict(float)
    for line in deviations:
        if line.month is None:
            shares[line.member_id] += line.deviation_hours
    return BookingIndicators(
        utilisation={
            d: round(booked_min[d] / offered_min[d], 4) if offered_min[d] else 0.0
            for d in sorted(book.slots)
        },
        emergency_offered=em_offered,
        emergency_used=em_used,
        emergency_released_used=em_released,
        specialised_offered=dict(sorted(sp_offered.items())),
        specialised_used=dict(sorted(sp_used.items())),
        third_next_available_days={
            m: third_next_available(book, m, now) for m in sorted(book.by_modality)
        },
        share_deviation_hours={m: round(v, 4) for m, v in sorted(shares.items())},
    )
