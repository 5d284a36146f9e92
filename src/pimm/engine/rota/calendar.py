"""Turn on-call line definitions into the dated shifts to staff over a period.

French public holidays come from the ``holidays`` package with the site's département, so that
Alsace-Moselle (57, 67, 68: Good Friday and St Stephen's day) and the overseas départements get
their own days off.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import holidays

from .model import (
    HOLIDAY_DAY,
    HOLIDAY_NIGHT,
    WEEKEND_DAY,
    WEEKEND_NIGHT,
    WEEKNIGHT,
    OnCallLine,
    Shift,
)

DAY_START = time(8, 30)
NIGHT_START = time(18, 30)

# holidays.France subdivisions: Moselle is "57", Alsace (67 and 68) is "6AE", overseas by number.
_SUBDIV = {"57": "57", "67": "6AE", "68": "6AE"}
_OVERSEAS = {"971", "972", "973", "974", "976"}


def french_subdivision(departement: str | None) -> str | None:
    """The ``holidays.France`` subdivision for a département code ("57", "2A", "974"...)."""
    if not departement:
        return None
    code = departement.strip().upper()
    if code in _SUBDIV:
        return _SUBDIV[code]
    if code in _OVERSEAS:
        return code
    return None


def french_holidays(years: range | list[int], departement: str | None = None) -> dict[date, str]:
    return dict(
        holidays.France(subdiv=french_subdivision(departement), years=list(years), language="fr")
    )


def day_categories(day: date, is_holiday: bool) -> tuple[str, ...]:
    """Categories of the PDSES periods that start on ``day`` (day period first)."""
    if is_holiday:
        return (HOLIDAY_DAY, HOLIDAY_NIGHT)
    if day.weekday() >= 5:
        return (WEEKEND_DAY, WEEKEND_NIGHT)
    return (WEEKNIGHT,)


def shift_times(day: date, category: str) -> tuple[datetime, datetime]:
    if category in (WEEKEND_DAY, HOLIDAY_DAY):
        return datetime.combine(day, DAY_START), datetime.combine(day, NIGHT_START)
    start = datetime.combine(day, NIGHT_START)
    return start, datetime.combine(day + timedelta(days=1), DAY_START)


def generate_shifts(
    lines: tuple[OnCallLine, ...] | list[OnCallLine],
    start: date,
    end: date,
    departement: str | dict[str, str | None] | None = None,
) -> tuple[Shift, ...]:
    """Shifts for every line and every day in [start, end] (inclusive) that the line covers.

    ``departement`` is one code for all lines, or a mapping line id -> code (the département of
    the line's first site).
    """
    years = range(start.year, end.year + 2)
    cache: dict[str | None, dict[date, str]] = {}
    out: list[Shift] = []
    for line in lines:
        dep = departement.get(line.id) if isinstance(departement, dict) else departement
        sub = french_subdivision(dep)
        if sub not in cache:
            cache[sub] = french_holidays(years, dep)
        hol = cache[sub]
        day = start
        while day <= end:
            for cat in day_categories(day, day in hol):
                if cat in line.categories:
                    s, e = shift_times(day, cat)
                    out.append(Shift(f"{line.id}:{day.isoformat()}:{cat}", line.id, day, s, e, cat))
            day += timedelta(days=1)
    out.sort(key=lambda s: (s.start, s.line_id))
    return tuple(out)
