"""Reads for the evaluation room: lines, shifts and duty loads over months."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import TruncMonth

from pimm.registry.models import Practitioner

from ..models import (
    OnCallLine,
    Rota,
    RotaAssignment,
    RotaShift,
)
from .core import point_weights

# -- for the evaluation room (indicators over months) -----------------------------------------


@dataclass(frozen=True)
class LineInfo:
    """An on-call line, the members whose sites it covers and those whose radiologists held it."""

    pk: int
    code: str
    name: str
    kind: str
    active: bool
    site_member_ids: frozenset[int]
    holder_member_ids: frozenset[int]

    @property
    def pooled(self) -> bool:
        """Shared between members: it covers several members' sites or is staffed by several."""
        return len(self.site_member_ids | self.holder_member_ids) > 1


def lines_of(*, platform_id: int, start: dt.date, end: dt.date) -> list[LineInfo]:
    """The platform's lines, with the members of their duties in published rotas in [start, end)."""
    lines = list(OnCallLine.objects.filter(platform_id=platform_id).order_by("code"))
    sites: dict[int, set[int]] = defaultdict(set)
    through = OnCallLine.sites.through.objects.filter(oncallline__platform_id=platform_id)
    for line_id, member_id in through.values_list("oncallline_id", "site__member_id"):
        sites[line_id].add(member_id)
    holders: dict[int, set[int]] = defaultdict(set)
    for line_id, member_id in (
        RotaAssignment.objects.filter(
            shift__rota__platform_id=platform_id,
            shift__rota__status=Rota.Status.PUBLISHED,
            shift__date__gte=start,
            shift__date__lt=end,
        )
        .values_list("shift__line_id", "practitioner__member_id")
        .distinct()
    ):
        holders[line_id].add(member_id)
    return [
        LineInfo(
            ln.pk,
            ln.code,
            ln.name,
            ln.kind,
            ln.active,
            frozenset(sites[ln.pk]),
            frozenset(holders[ln.pk]),
        )
        for ln in lines
    ]


@dataclass(frozen=True)
class ShiftStat:
    month: dt.date
    line_id: int
    shifts: int
    filled: int


def shift_stats(*, platform_id: int, start: dt.date, end: dt.date) -> list[ShiftStat]:
    """Shifts of published rotas dated in [start, end) per month and line, and how many hold a
    practitioner (the rest are unfilled)."""
    rows = (
        RotaShift.objects.filter(
            rota__platform_id=platform_id,
            rota__status=Rota.Status.PUBLISHED,
            date__gte=start,
            date__lt=end,
        )
        .annotate(month=TruncMonth("date"))
        .values("month", "line_id")
        .annotate(n=Count("pk"), filled=Count("assignment"))
        .order_by()
    )
    return [ShiftStat(r["month"], r["line_id"], r["n"], r["filled"]) for r in rows]


@dataclass(frozen=True)
class DutyLoad:
    """One practitioner's duties in published rotas over a period, in points."""

    practitioner_id: int
    name: str
    member_id: int
    member_name: str
    member_kind: str
    working_time: float
    duties: int
    points: float

    @property
    def per_fte(self) -> float:
        return self.points / self.working_time if self.working_time else 0.0


def duty_loads(
    *, platform_id: int, start: dt.date, end: dt.date, member_id: int | None = None
) -> list[DutyLoad]:
    """Duties and points of every active practitioner (zero for those who held none) in
    published rotas dated in [start, end)."""
    weights = point_weights(platform_id=platform_id)
    people = Practitioner.objects.filter(member__platform_id=platform_id, active=True)
    if member_id is not None:
        people = people.filter(member_id=member_id)
    counts: dict[int, int] = defaultdict(int)
    points: dict[int, float] = defaultdict(float)
    for pid, cat, kind, n in (
        RotaAssignment.objects.filter(
            shift__rota__platform_id=platform_id,
            shift__rota__status=Rota.Status.PUBLISHED,
            shift__date__gte=start,
            shift__date__lt=end,
        )
        .values_list("practitioner_id", "shift__category", "shift__line__kind")
        .annotate(n=Count("pk"))
        .values_list("practitioner_id", "shift__category", "shift__line__kind", "n")
    ):
        counts[pid] += n
        points[pid] += n * weights.of(cat, kind)
    return [
        DutyLoad(
            p.pk,
            str(p),
            p.member_id,
            p.member.name,
            p.member.kind,
            float(p.working_time),
            counts.get(p.pk, 0),
            points.get(p.pk, 0.0),
        )
        for p in people.select_related("member").order_by("last_name", "first_name")
    ]
