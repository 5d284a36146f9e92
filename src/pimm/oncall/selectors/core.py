"""Reads for the duty room's pages and exports, and who is available when (no writes)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet

from pimm.engine.rota import model as em
from pimm.engine.rota.calendar import french_holidays
from pimm.engine.rota.points import gini
from pimm.registry.models import Platform, Practitioner

from ..models import (
    OnCallLine,
    PointBalance,
    PointWeights,
    ReaderPresence,
    Rota,
    RotaAssignment,
    RotaShift,
    RotaSolve,
)


def point_weights(*, platform_id: int) -> PointWeights:
    """The platform's duty points (an unsaved row of the engine's defaults if none is stored)."""
    found = PointWeights.objects.filter(platform_id=platform_id).first()
    if found is not None:
        return found
    return PointWeights.defaults(Platform.objects.get(pk=platform_id))


def duties(
    *, rota: Rota | None = None, member_id: int | None = None, practitioner_id: int | None = None
) -> QuerySet:
    """Assignments (with shift, line, practitioner, member), in time order."""
    qs = RotaAssignment.objects.select_related(
        "shift__line", "practitioner__member", "shift__rota"
    ).order_by("shift__starts_at", "shift__line__code")
    if rota is not None:
        qs = qs.filter(shift__rota=rota)
    if member_id is not None:
        qs = qs.filter(practitioner__member_id=member_id)
    if practitioner_id is not None:
        qs = qs.filter(practitioner_id=practitioner_id)
    return qs


def published_duties_of(*, practitioner_id: int) -> QuerySet:
    return duties(practitioner_id=practitioner_id).filter(shift__rota__status=Rota.Status.PUBLISHED)


def months_of(rota: Rota) -> list[tuple[int, int]]:
    out, y, m = [], rota.start.year, rota.start.month
    while (y, m) <= (rota.end.year, rota.end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


@dataclass
class GridRow:
    line: OnCallLine
    cells: list[list[RotaShift]]  # per day: that line's shifts starting that day


@dataclass
class Grid:
    year: int
    month: int
    days: list[dt.date]
    rows: list[GridRow] = field(default_factory=list)
    holidays: frozenset[dt.date] = frozenset()

    @property
    def by_day(self) -> list[tuple[dt.date, list[list[RotaShift]]]]:
        """Days down, lines across: a month of full names reads on one screen this way (31
        columns of a few pixels each cut every name into pieces)."""
        return [(d, [row.cells[i] for row in self.rows]) for i, d in enumerate(self.days)]


def month_grid(*, rota: Rota, year: int, month: int) -> Grid:
    """Lines × days of one month of the rota; each cell holds the day's shifts of that line."""
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    first, last = max(first, rota.start), min(last, rota.end)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    shifts = (
        RotaShift.objects.filter(rota=rota, date__gte=first, date__lte=last)
        .select_related("line", "assignment__practitioner__member")
        .order_by("line__code", "starts_at")
    )
    index = {d: i for i, d in enumerate(days)}
    rows: dict[int, GridRow] = {}
    for s in shifts:
        row = rows.get(s.line_id)
        if row is None:
            row = rows[s.line_id] = GridRow(s.line, [[] for _ in days])
        row.cells[index[s.date]].append(s)
    holidays = frozenset(french_holidays(range(first.year, last.year + 1)))
    return Grid(year, month, days, list(rows.values()), holidays)


def latest_solve(rota: Rota) -> RotaSolve | None:
    return rota.solves.order_by("-pk").first()


@dataclass
class FairnessRow:
    practitioner: Practitioner
    counts: dict[str, int]
    points: float
    carried: float
    target: float
    working_time: float

    @property
    def normalised(self) -> float:
        return (self.points + self.carried) / self.working_time if self.working_time else 0.0

    @property
    def balance(self) -> float:
        return self.carried + self.points - self.target

    @property
    def holidays(self) -> int:
        return self.counts.get(em.HOLIDAY_DAY, 0) + self.counts.get(em.HOLIDAY_NIGHT, 0)


@dataclass
class MemberRow:
    member_id: int
    name: str
    points: float
    share: float  # % of the year's points
    working_time_share: float  # % of working time


@dataclass
class Fairness:
    year: int
    rows: list[FairnessRow]
    members: list[MemberRow]
    spread: float
    gini: float
    max_normalised: float
    weights: PointWeights | None = None


def fairness(*, platform_id: int, year: int, until: dt.date | None = None) -> Fairness:
    """Points per practitioner and per member in published rotas of ``year`` up to ``until``
    (year to date), with the carry-over from last year, the spread and the Gini index of the
    normalised loads ((points + carried) per full-time equivalent)."""
    until = until or dt.date(year, 12, 31)
    people = list(
        Practitioner.objects.filter(member__platform_id=platform_id, active=True)
        .select_related("member")
        .order_by("last_name", "first_name")
    )
    weights = point_weights(platform_id=platform_id)
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    earned: dict[int, float] = defaultdict(float)
    for pid, cat, kind in RotaAssignment.objects.filter(
        shift__rota__platform_id=platform_id,
        shift__rota__status=Rota.Status.PUBLISHED,
        shift__date__year=year,
        shift__date__lte=until,
    ).values_list("practitioner_id", "shift__category", "shift__line__kind"):
        counts[pid][cat] += 1
        earned[pid] += weights.of(cat, kind)
    carried = dict(
        PointBalance.objects.filter(year=year, practitioner__in=people).values_list(
            "practitioner_id", "carried_in"
        )
    )
    total_pts = sum(earned.values())
    wt_total = sum(float(p.working_time) for p in people) or 1.0
    rows = []
    for p in people:
        c = dict(counts.get(p.pk, {}))
        pts = earned.get(p.pk, 0.0)
        wt = float(p.working_time)
        rows.append(FairnessRow(p, c, pts, carried.get(p.pk, 0.0), total_pts * wt / wt_total, wt))
    norm = [r.normalised for r in rows]
    by_member: dict[int, MemberRow] = {}
    for r in rows:
        m = r.practitioner.member
        row = by_member.setdefault(m.pk, MemberRow(m.pk, m.name, 0.0, 0.0, 0.0))
        row.points += r.points
        row.working_time_share += 100.0 * r.working_time / wt_total
    for row in by_member.values():
        row.share = 100.0 * row.points / total_pts if total_pts else 0.0
    return Fairness(
        year=year,
        rows=rows,
        members=sorted(by_member.values(), key=lambda m: m.name),
        spread=(max(norm) - min(norm)) if norm else 0.0,
        gini=gini(norm),
        max_normalised=max(norm + [1.0]),
        weights=weights,
    )


@dataclass(frozen=True)
class OnDuty:
    """Who holds an on-call line of a published rota at a given moment (read by the worklist)."""

    practitioner_id: int
    line_code: str
    competence: str  # the line's competence ("" = general)
    site_ids: tuple[int, ...]  # sites the line covers
    starts_at: dt.datetime
    ends_at: dt.datetime
    remote_allowed: bool
    kind: str  # garde (on site) or astreinte (from home)


def on_duty_between(
    *, start: dt.datetime, end: dt.datetime, platform_id: int | None = None
) -> list[OnDuty]:
    """Duties of published rotas overlapping [start, end) (drafts and superseded rotas never
    count), in time order. ``platform_id`` None: every platform."""
    qs = RotaAssignment.objects.filter(
        shift__rota__status=Rota.Status.PUBLISHED,
        shift__starts_at__lt=end,
        shift__ends_at__gt=start,
    )
    if platform_id is not None:
        qs = qs.filter(shift__rota__platform_id=platform_id)
    rows = list(
        qs.select_related("shift__line").order_by("shift__starts_at", "shift__line__code", "pk")
    )
    # the sites of every line in one query (a routing decision calls this on each exam)
    sites_of: dict[int, list[int]] = {a.shift.line_id: [] for a in rows}
    through = OnCallLine.sites.through.objects.filter(oncallline_id__in=list(sites_of))
    for line_id, site_id in through.values_list("oncallline_id", "site_id"):
        sites_of[line_id].append(site_id)
    line_sites = {pk: tuple(sorted(ids)) for pk, ids in sites_of.items()}
    return [
        OnDuty(
            practitioner_id=a.practitioner_id,
            line_code=a.shift.line.code,
            competence=a.shift.line.competence,
            site_ids=line_sites[a.shift.line_id],
            starts_at=a.shift.starts_at,
            ends_at=a.shift.ends_at,
            remote_allowed=a.shift.line.remote_allowed,
            kind=a.shift.line.kind,
        )
        for a in rows
    ]


def on_duty_at(*, when: dt.datetime, platform_id: int | None = None) -> list[OnDuty]:
    """Who is on duty at ``when`` according to the published rotas."""
    return on_duty_between(
        start=when, end=when + dt.timedelta(microseconds=1), platform_id=platform_id
    )


# -- who is available when: the one answer (published rota duties + the presence plan) --------


@dataclass(frozen=True)
class Presence:
    """One row of the presence plan: present on a site, or on duty (``on_duty``) off the rota."""

    practitioner_id: int
    site_id: int | None
    start: dt.datetime
    end: dt.datetime
    on_duty: bool


@dataclass(frozen=True)
class Available:
    """Who is available over a period: the published rota's duties and the presence plan."""

    duties: list[OnDuty]
    presences: list[Presence]


def presences_between(*, start: dt.datetime, end: dt.datetime) -> list[Presence]:
    """Presence-plan rows overlapping [start, end), in time order."""
    rows = (
        ReaderPresence.objects.filter(start__lt=end, end__gt=start)
        .order_by("start", "pk")
        .values_list("practitioner_id", "site_id", "start", "end", "on_duty")
    )
    return [Presence(*row) for row in rows]


def available_between(*, start: dt.datetime, end: dt.datetime) -> Available:
    """Who is available when over [start, end): read by routing (the worklist) and, for day
    work, by the rota adapter (``day_presence``). On duty wins over present (the reader's
    choice, made by whoever ranks them)."""
    return Available(
        duties=on_duty_between(start=start, end=end),
        presences=presences_between(start=start, end=end),
    )


def day_presence(
    *, practitioner_ids: list[int], start: dt.datetime, end: dt.datetime
) -> list[tuple[int, dt.datetime, dt.datetime]]:
    """Planned day presence on a site (not duty rows) overlapping [start, end): (practitioner,
    start, end). The rota reads it for the repos de sécurité after a night."""
    return list(
        ReaderPresence.objects.filter(
            practitioner_id__in=practitioner_ids, on_duty=False, start__lt=end, end__gt=start
        )
        .order_by("start")
        .values_list("practitioner_id", "start", "end")
    )


def presence(*, pk) -> ReaderPresence | None:
    """One presence-plan row, fresh from the database (forms edit a copy of it)."""
    return ReaderPresence.objects.filter(pk=pk).first()


def duty_points_between(*, platform_id: int, start: dt.date, end: dt.date) -> dict[int, float]:
    """Points each practitioner earned by duties of published rotas on days ``start``..``end``
    (inclusive), with the platform's weights: read by the ledger's pay by points."""
    weights = point_weights(platform_id=platform_id)
    out: dict[int, float] = defaultdict(float)
    for pid, cat, kind in RotaAssignment.objects.filter(
        shift__rota__platform_id=platform_id,
        shift__rota__status=Rota.Status.PUBLISHED,
        shift__date__gte=start,
        shift__date__lte=end,
    ).values_list("practitioner_id", "shift__category", "shift__line__kind"):
        out[pid] += weights.of(cat, kind)
    return dict(out)
