"""The test session's clock: every test runs at one frozen instant (ticking from there), never at
the wall clock's, so the suite gives the same answers at any hour of any day.

``PIMM_TEST_NOW`` (ISO 8601 with offset) moves the whole session to another instant: the suite is
written relative to ``NOW`` / ``TODAY`` so that it passes at any of them (see ``HARD_INSTANTS``
and docs/operations.md). The demo loaded by the session follows this clock like any other reader
of the time.
"""

import datetime as dt
import os
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_NOW = "2027-01-12T10:00:00+01:00"  # a Tuesday morning, nothing special about it

# Instants where date and time arithmetic goes wrong: night, noon and late evening, a Sunday, a
# public holiday, 29 February, and both DST change days (Paris: last Sunday of March / October).
HARD_INSTANTS = {
    "night-03h": "2027-01-13T03:00:00+01:00",
    "noon": "2027-01-13T12:00:00+01:00",
    "evening-23h30": "2027-01-13T23:30:00+01:00",
    "sunday-23h30": "2027-03-07T23:30:00+01:00",
    "holiday-may-1st": "2027-05-01T10:00:00+02:00",
    "29-february": "2028-02-29T23:30:00+01:00",
    "dst-spring-03h30": "2027-03-28T03:30:00+02:00",
    "dst-autumn-02h30": "2027-10-31T02:30:00+01:00",
    "new-year-eve": "2026-12-31T23:30:00+01:00",
}


def parse(value: str) -> dt.datetime:
    at = dt.datetime.fromisoformat(value)
    if at.tzinfo is None:
        raise ValueError(f"PIMM_TEST_NOW needs an offset (e.g. +01:00): {value!r}")
    return at.astimezone(PARIS)


NOW = parse(
    HARD_INSTANTS.get(os.environ.get("PIMM_TEST_NOW", ""), "")
    or os.environ.get("PIMM_TEST_NOW")
    or DEFAULT_NOW
)
TODAY = NOW.date()


def month_start(months: int = 0, day: dt.date = TODAY) -> dt.date:
    """The first day of the month ``months`` after ``day``'s (negative: before)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(year, month + 1, 1)


def month_end(months: int = 0, day: dt.date = TODAY) -> dt.date:
    return month_start(months + 1, day) - dt.timedelta(days=1)


def at(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware Paris datetime on ``day``."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS)


def day(months: int, day_of_month: int = 1) -> dt.date:
    """Day ``day_of_month`` of the month ``months`` after today's (clamped to its last day)."""
    first = month_start(months)
    return min(first + dt.timedelta(days=day_of_month - 1), month_end(months))
