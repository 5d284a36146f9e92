"""The vacation plan as a month calendar, per device or per member (reads only): the weeks of a
month, Monday first, each day with its vacations; and the plan's vacations as table rows for the
CSV/XLSX export. Whoever reads the plan reads all its vacations (as on the plan's page)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pimm.planning import models as pm
from pimm.registry.models import Equipment, Member

DEVICE, MEMBER = "appareil", "membre"


@dataclass(frozen=True)
class Day:
    day: dt.date
    in_month: bool
    vacations: list[pm.Vacation]


@dataclass(frozen=True)
class MonthGrid:
    year: int
    month: int
    weeks: list[list[Day]]
    previous: str | None  # "AAAA-MM" of the plan's month before, None before the plan
    following: str | None


def plan_months(plan: pm.VacationPlan) -> list[tuple[int, int]]:
    """The months the plan covers (its end is excluded)."""
    last = plan.end - dt.timedelta(days=1)
    out, y, m = [], plan.start.year, plan.start.month
    while (y, m) <= (last.year, last.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def devices_of(plan: pm.VacationPlan) -> list[Equipment]:
    ids = plan.vacations.values("equipment_id")
    return list(Equipment.objects.filter(pk__in=ids).select_related("site").order_by("name"))


def members_of(plan: pm.VacationPlan) -> list[Member]:
    ids = plan.vacations.filter(member__isnull=False).values("member_id")
    return list(Member.objects.filter(pk__in=ids).order_by("name"))


def vacations(plan: pm.VacationPlan, *, equipment_id=None, member_id=None):
    qs = plan.vacations.select_related("equipment", "member")
    if equipment_id is not None:
        qs = qs.filter(equipment_id=equipment_id)
    if member_id is not None:
        qs = qs.filter(member_id=member_id)
    return qs.order_by("day", "start", "equipment__name", "pk")


def month_grid(
    plan: pm.VacationPlan, *, year: int, month: int, equipment_id=None, member_id=None
) -> MonthGrid:
    """The month's weeks (Monday to Sunday), each day with the vacations of the device or
    member; days outside the plan carry none."""
    first = dt.date(year, month, 1)
    days_in = calendar.monthrange(year, month)[1]
    rows = vacations(plan, equipment_id=equipment_id, member_id=member_id).filter(
        day__gte=first, day__lt=first + dt.timedelta(days=days_in)
    )
    by_day: dict[dt.date, list[pm.Vacation]] = {}
    for v in rows:
        by_day.setdefault(v.day, []).append(v)
    weeks = [
        [Day(d, d.month == month, by_day.get(d, []) if d.month == month else []) for d in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    months = plan_months(plan)
    here = months.index((year, month)) if (year, month) in months else -1
    fmt = "{:04d}-{:02d}".format
    previous = fmt(*months[here - 1]) if here > 0 else None
    following = fmt(*months[here + 1]) if 0 <= here < len(months) - 1 else None
    return MonthGrid(year, month, weeks, previous, following)


EXPORT_HEADER = (
    _("Jour"),
    _("Demi-journée"),
    _("Début"),
    _("Fin"),
    _("Appareil"),
    _("Code appareil"),
    _("Site"),
    _("Membre"),
    _("État"),
    _("Horaire contraignant"),
    _("Motif"),
)


def export_rows(plan: pm.VacationPlan, *, equipment_id=None, member_id=None):
    qs = vacations(plan, equipment_id=equipment_id, member_id=member_id).select_related(
        "equipment__site"
    )
    for v in qs.iterator(2000):
        yield [
            v.day,
            v.get_part_display(),
            timezone.localtime(v.start).strftime("%H:%M"),
            timezone.localtime(v.end).strftime("%H:%M"),
            v.equipment.name,
            v.equipment.code,
            v.equipment.site.name,
            v.member.name if v.member else "",
            v.get_status_display(),
            v.bad_hours,
            v.reason,
        ]
