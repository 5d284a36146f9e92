"""Opening hours, closures and French public holidays: enumerate a period's vacations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

import holidays as holidays_lib

from .model import Device, HourClasses, Part, Session, Vacation

DEFAULT_TIMES: dict[Part, tuple[time, time]] = {
    Part.MORNING: (time(8, 0), time(13, 0)),
    Part.AFTERNOON: (time(13, 0), time(18, 0)),
    Part.EVENING: (time(18, 0), time(22, 0)),
    Part.NIGHT: (time(22, 0), time(8, 0)),
}


def weekly_sessions(
    weekdays: Iterable[int] = range(5),
    parts: Iterable[Part] = (Part.MORNING, Part.AFTERNOON),
    times: dict[Part, tuple[time, time]] | None = None,
) -> tuple[Session, ...]:
    """Sessions for the same parts on several weekdays (default: weekdays, morning + afternoon)."""
    times = times or DEFAULT_TIMES
    return tuple(
        Session(weekday=w, part=p, start=times[p][0], end=times[p][1])
        for w in weekdays
        for p in parts
    )


def french_holidays(start: date, end: date, subdiv: str | None = None) -> dict[date, str]:
    """French public holidays in [start, end) with their (French) names."""
    years = range(start.year, end.year + 1)
    cal = holidays_lib.country_holidays("FR", subdiv=subdiv, years=years, language="fr")
    return {d: name for d, name in sorted(cal.items()) if start <= d < end}


def month_key(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def days(start: date, end: date) -> Iterable[date]:
    d = start
    while d < end:
        yield d
        d += timedelta(days=1)


def session_bounds(day: date, session: Session) -> tuple[datetime, datetime]:
    start = datetime.combine(day, session.start)
    end = datetime.combine(day, session.end)
    if end <= start:
        end += timedelta(days=1)
    return start, end


def is_pdses(start: datetime, holiday_days: Iterable[date] | dict[date, str] = ()) -> bool:
    """PDSES hours (permanence des soins): nights 20h-8h, Saturday afternoon, Sunday, holidays."""
    if start.date() in holiday_days:
        return True
    wd = start.weekday()
    if wd == 6 or (wd == 5 and start.hour >= 12):
        return True
    return start.hour >= 20 or start.hour < 8


def enumerate_vacations(
    device: Device,
    start: date,
    end: date,
    *,
    hour_classes: HourClasses | None = None,
    holiday_days: dict[date, str] | None = None,
) -> list[Vacation]:
    """All vacations of a device in [start, end), closed ones with `closed_reason` set."""
    hour_classes = hour_classes or HourClasses()
    if holiday_days is None:
        holiday_days = french_holidays(start, end)
    by_weekday: dict[int, list[Session]] = {}
    for s in device.sessions:
        by_weekday.setdefault(s.weekday, []).append(s)
    out: list[Vacation] = []
    for day in days(start, end):
        for session in sorted(by_weekday.get(day.weekday(), ()), key=lambda s: s.start):
            v_start, v_end = session_bounds(day, session)
            reason = None
            if day in holiday_days and not device.open_on_holidays:
                reason = f"jour férié ({holiday_days[day]})"
            else:
                for c in device.closures:
                    if c.start < v_end and v_start < c.end:
                        kind = "maintenance" if c.kind == "maintenance" else "fermeture"
                        reason = f"{kind} : {c.reason}"
                        break
            bad = (
                session.part in hour_classes.bad_parts
                or day.weekday() in hour_classes.bad_weekdays
                or (hour_classes.holidays_bad and day in holiday_days)
            )
            out.append(
                Vacation(
                    id=f"{device.id}|{day.isoformat()}|{session.part.value}",
                    device_id=device.id,
                    site=device.site,
                    modality=device.modality,
                    day=day,
                    part=session.part,
                    start=v_start,
                    end=v_end,
                    minutes=int((v_end - v_start).total_seconds() // 60),
                    bad=bad,
                    closed_reason=reason,
                )
            )
    return out
