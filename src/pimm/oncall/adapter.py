"""ORM rows → the engine's ``RotaProblem`` (and nothing else: no writes here).

Identifiers handed to the engine are strings of primary keys (practitioners, members, lines,
sites) and the ``RotaShift.key`` of each shift, which is the same for the same line and period
in every version of a rota, so a published rota's cells can be compared with a re-solve's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from pimm.engine.rota import model as em
from pimm.engine.rota.calendar import generate_shifts
from pimm.oncall.models import (
    OnCallLine,
    PointBalance,
    PointWeights,
    Preference,
    Rota,
    RotaAssignment,
    RotaShift,
    Unavailability,
)
from pimm.oncall.selectors import day_presence, point_weights
from pimm.registry import selectors as registry

GENERAL = "general"


def engine_line(line: OnCallLine) -> em.OnCallLine:
    return em.OnCallLine(
        id=str(line.pk),
        name=line.name,
        competence=None if line.competence in ("", GENERAL) else line.competence,
        kind=line.kind,
        categories=tuple(line.categories),
        site_ids=tuple(str(s.pk) for s in line.sites.all()),
        remote_allowed=line.remote_allowed,
    )


def active_lines(platform_id: int):
    return (
        OnCallLine.objects.filter(platform_id=platform_id, active=True)
        .prefetch_related("sites")
        .order_by("code")
    )


def shifts_for(lines, start: dt.date, end: dt.date) -> tuple[em.Shift, ...]:
    """Engine shifts over [start, end], holidays from the département of each line's first site."""
    deps = {}
    for line in lines:
        sites = sorted(line.sites.all(), key=lambda s: s.pk)
        deps[str(line.pk)] = sites[0].departement if sites else None
    return generate_shifts([engine_line(ln) for ln in lines], start, end, deps)


def engine_practitioners(platform_id: int) -> tuple[em.Practitioner, ...]:
    out = []
    for p in registry.active_practitioners(platform_id=platform_id):
        sites = frozenset(str(s.pk) for s in p.sites.all())
        out.append(
            em.Practitioner(
                id=str(p.pk),
                member_id=str(p.member_id),
                competences=frozenset(p.competences or ()) | {GENERAL},
                working_time=float(p.working_time),
                name=str(p),
                sites=sites or None,
            )
        )
    return tuple(out)


def _quotas(rota: Rota, practitioners: tuple[em.Practitioner, ...]) -> tuple[em.MemberQuota, ...]:
    staffed = {p.member_id for p in practitioners}
    source = rota.quota_source
    shares: dict[str, float] = {}
    if source == Rota.QuotaSource.TIME_SHARE:
        for key in registry.sharing_keys_on(platform_id=rota.platform_id, day=rota.start):
            shares[str(key.member_id)] = float(key.time_share)
    elif source == Rota.QuotaSource.WORKING_TIME:
        acc: dict[str, float] = defaultdict(float)
        for p in practitioners:
            acc[p.member_id] += p.working_time
        shares = dict(acc)
    elif source == Rota.QuotaSource.DECLARED:
        # Declared quotas are taken as they are (no renormalisation): quotas over 100 % must
        # reach the engine, which explains the conflict.
        return tuple(
            em.MemberQuota(str(m), float(v), rota.quota_tolerance)
            for m, v in sorted(rota.declared_quotas.items())
        )
    else:
        return ()
    # A member without radiologists cannot carry duties: share the key among the others.
    total = sum(v for m, v in shares.items() if m in staffed)
    if total <= 0:
        return ()
    return tuple(
        em.MemberQuota(m, round(100.0 * v / total, 2), rota.quota_tolerance)
        for m, v in sorted(shares.items())
        if m in staffed
    )


def carried_points(rota: Rota, practitioners, weights: PointWeights) -> dict[str, float]:
    """Carry-over from last year plus the points already earned this year in published rotas
    before this rota starts: the solver equalises the whole year, not only this period."""
    year = rota.start.year
    out: dict[str, float] = defaultdict(float)
    ids = {int(p.id) for p in practitioners}
    for b in PointBalance.objects.filter(year=year, practitioner_id__in=ids):
        out[str(b.practitioner_id)] += b.carried_in
    earned = RotaAssignment.objects.filter(
        shift__rota__platform_id=rota.platform_id,
        shift__rota__status=Rota.Status.PUBLISHED,
        shift__date__gte=dt.date(year, 1, 1),
        shift__date__lt=rota.start,
        practitioner_id__in=ids,
    ).values_list("practitioner_id", "shift__category", "shift__line__kind")
    for pid, cat, kind in earned:
        out[str(pid)] += weights.of(cat, kind)
    return {k: round(v, 2) for k, v in out.items() if v}


def day_activities(ids: list[int], start: dt.date, end: dt.date) -> tuple[em.DayActivity, ...]:
    """Known day work of the practitioners (the presence plan on sites) from the day
    before the period to two days after it: a night ending on the next morning must leave the
    rest period before that day's work (repos de sécurité).

    The planning app's vacations belong to members, not to practitioners, so they say nothing
    about who works when and are not read here."""
    lo = dt.datetime.combine(start - dt.timedelta(days=1), dt.time.min)
    hi = dt.datetime.combine(end + dt.timedelta(days=2), dt.time.min)
    rows = day_presence(practitioner_ids=ids, start=_aware(lo), end=_aware(hi))
    return tuple(em.DayActivity(str(pid), _naive(s), _naive(e)) for pid, s, e in rows)


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value)


def _engine_shift(s: RotaShift) -> em.Shift:
    return em.Shift(
        s.key, str(s.line_id), s.date, _naive(s.starts_at), _naive(s.ends_at), s.category
    )


def _naive(value: dt.datetime) -> dt.datetime:
    if timezone.is_aware(value):
        return timezone.make_naive(value)
    return value


def build_problem(rota: Rota, *, include_previous: bool = True) -> em.RotaProblem:
    """The rota as the engine sees it: its shifts, the platform's lines and practitioners, leave
    and wishes over the period, cells locked by the coordinator, member quotas, carried points
    and, for a revision of a published rota, the published cells to change as little as possible."""
    weights = point_weights(platform_id=rota.platform_id)
    settings = weights.engine_settings(
        max_consecutive_duties=rota.max_consecutive_duties,
        max_nights_per_month=rota.max_nights_per_month,
    )
    practitioners = engine_practitioners(rota.platform_id)
    ids = [int(p.id) for p in practitioners]
    shifts = list(RotaShift.objects.filter(rota=rota).order_by("starts_at", "line_id"))
    line_ids = {s.line_id for s in shifts}
    lines = tuple(
        engine_line(ln)
        for ln in OnCallLine.objects.filter(pk__in=line_ids).prefetch_related("sites")
    )
    unavailable = tuple(
        em.Unavailability(str(u.practitioner_id), u.start, u.end, u.reason)
        for u in Unavailability.objects.filter(
            practitioner_id__in=ids, start__lte=rota.end, end__gte=rota.start
        )
    )
    prefs = tuple(
        em.Preference(str(p.practitioner_id), int(p.weight), date=p.date)
        for p in Preference.objects.filter(
            practitioner_id__in=ids, date__gte=rota.start, date__lte=rota.end
        )
        if p.weight
    )
    activities = day_activities(ids, rota.start, rota.end)
    locked = tuple(
        em.Assignment(a.shift.key, str(a.practitioner_id))
        for a in RotaAssignment.objects.filter(shift__rota=rota, locked=True).select_related(
            "shift"
        )
    )
    previous: tuple[em.Assignment, ...] = ()
    if include_previous and rota.based_on_id:
        previous = tuple(
            em.Assignment(key, str(pid))
            for key, pid in RotaAssignment.objects.filter(
                shift__rota_id=rota.based_on_id
            ).values_list("shift__key", "practitioner_id")
        )
    return em.RotaProblem(
        practitioners=practitioners,
        lines=lines,
        shifts=tuple(_engine_shift(s) for s in shifts),
        unavailabilities=unavailable,
        day_activities=activities,
        preferences=prefs,
        locked=locked,
        previous=previous,
        quotas=_quotas(rota, practitioners),
        settings=settings,
        carried_points=carried_points(rota, practitioners, weights),
    )


def current_assignments(rota: Rota) -> list[em.Assignment]:
    return [
        em.Assignment(key, str(pid))
        for key, pid in RotaAssignment.objects.filter(shift__rota=rota).values_list(
            "shift__key", "practitioner_id"
        )
    ]
