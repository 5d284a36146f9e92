"""Bridge from a vacation plan to booking windows (assigned vacations only)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from pimm.engine.vacations.calendar import is_pdses
from pimm.engine.vacations.model import Status, VacationPlan

from .model import VacationWindow

_MINUTE = timedelta(minutes=1)


def windows_from_plan(
    plan: VacationPlan, holiday_days: Iterable[date] | dict[date, str] = ()
) -> list[VacationWindow]:
    """One window per assigned vacation, owned by its member; PDSES if it touches PDSES hours."""
    hol = set(holiday_days)
    return [
        VacationWindow(
            id=a.vacation.id,
            device_id=a.vacation.device_id,
            start=a.vacation.start,
            end=a.vacation.end,
            member_id=a.member_id,
            pdses=is_pdses(a.vacation.start, hol) or is_pdses(a.vacation.end - _MINUTE, hol),
        )
        for a in plan.assignments
        if a.status is Status.ASSIGNED
    ]
