"""What routing reads that changes seldom, kept in memory per process under a generation counter.

Readers (member, competences, sites of privilege), the members whose own radiologists read
first, the service levels and who is available when (published on-call duties and the presence
plan) change a few times a day, while routing decisions come several a minute; rebuilt from the
ORM on every decision, these reads were most of its cost (about 5 ms of 6 at 20,000 exams a
day). Every committed change to one of them bumps the single ``RoutingGeneration`` row in the
writer's own transaction (``worklist.signals``, subscribed to the hooks of the registry and the
duty room); each decision reads that row by primary key
(one tiny query) and reloads only when it moved, or when ``now`` leaves the window of time
loaded. A change committed by any process is thus seen by every process at its next decision.
The generation is a random token, not a count: a change rolled back never comes back as the
value of a later one, so inputs loaded inside a transaction that failed are never taken for
committed ones.

Duty source (``availability_entries``, one place for live routing and for the demo's
simulation): who is on duty comes from the **published** on-call rota (``oncall`` selectors: a
draft or superseded rota never counts), and who is present on a site from the presence plan
(``oncall.ReaderPresence``, which may also carry duties outside the PDSES periods, e.g. the weekday
emergency line). On duty wins over present.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import secrets
import threading
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from pimm.engine.routing import (
    Availability,
    AvailabilityKind,
    Priority,
    Reader,
    RotaEntry,
    RoutingConfig,
    ServiceLevels,
)
from pimm.oncall import selectors as oncall
from pimm.registry import selectors as registry
from pimm.worklist import models as w
from pimm.worklist.prepared import PreparedQuery

CAP_UNITS = 6.0
# the window of availability loaded around ``now``; reloaded when ``now`` leaves it
WINDOW_BEFORE = dt.timedelta(hours=12)
WINDOW_AFTER = dt.timedelta(hours=36)


def naive(value: dt.datetime) -> dt.datetime:
    """Platform wall-clock time (the engines' naive local times). The platform's time zone is
    the settings' one: no per-request lookup, as routing converts thousands of these."""
    return value.astimezone(timezone.get_default_timezone()).replace(tzinfo=None)


def aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value)


# -- ORM rows -> engine values ----------------------------------------------------------------
def service_levels() -> ServiceLevels:
    classes = {p.code: p for p in w.PriorityClass.objects.all()}
    base = ServiceLevels()
    targets = dict(base.targets)
    delays = dict(base.open_delays)
    for code, pc in classes.items():
        targets[Priority(code)] = dt.timedelta(minutes=pc.target_minutes)
        delays[Priority(code)] = dt.timedelta(minutes=pc.open_delay_minutes)
    return ServiceLevels(targets=targets, open_delays=delays)


def readers() -> list[Reader]:
    """Active practitioners as engine readers, with every site where they hold privileges."""
    qs = registry.active_practitioners()
    sites: dict[int, set[str]] = {}
    for pk, site_id in qs.values_list("pk", "sites"):
        if site_id is not None:
            sites.setdefault(pk, set()).add(str(site_id))
    return [
        Reader(
            id=str(pk),
            member=str(member_id),
            competences=frozenset(competences or ()),
            sites=frozenset(sites.get(pk, ())),
            cap_units=CAP_UNITS,
        )
        for pk, member_id, competences in qs.values_list("pk", "member_id", "competences")
    ]


@dataclass(frozen=True)
class LineDuty(RotaEntry):
    """A duty of the published rota: its holder reads the exams of the line's sites (where they
    hold privileges), not every site where they could read when present."""

    line_sites: frozenset[str] = frozenset()


def duty_entries(start: dt.datetime, end: dt.datetime) -> list[RotaEntry]:
    """Published on-call duties overlapping [start, end)."""
    return _duty_entries(oncall.on_duty_between(start=start, end=end))


def _duty_entries(duties) -> list[RotaEntry]:
    """A duty on a line without remote reading is placed on the line's first site; with remote
    reading it has no site."""
    out: list[RotaEntry] = []
    for d in duties:
        site = None if d.remote_allowed or not d.site_ids else str(d.site_ids[0])
        out.append(
            LineDuty(
                str(d.practitioner_id),
                naive(d.starts_at),
                naive(d.ends_at),
                AvailabilityKind.DUTY,
                site,
                line_sites=frozenset(str(s) for s in d.site_ids),
            )
        )
    return out


def presence_entry(practitioner_id, site_id, start, end, on_duty) -> RotaEntry:
    """One presence-plan row as an engine ``RotaEntry``."""
    kind = AvailabilityKind.DUTY if on_duty else AvailabilityKind.PRESENT
    site = str(site_id) if site_id else None
    return RotaEntry(str(practitioner_id), naive(start), naive(end), kind, site)


def availability_entries(start: dt.datetime, end: dt.datetime) -> list[RotaEntry]:
    """Who is available over [start, end), as the duty room publishes it
    (``oncall.selectors.available_between``: published duties and presence-plan rows), as engine
    ``RotaEntry`` values (local naive times)."""
    available = oncall.available_between(start=start, end=end)
    return _duty_entries(available.duties) + [
        presence_entry(p.practitioner_id, p.site_id, p.start, p.end, p.on_duty)
        for p in available.presences
    ]


def best_entries(entries: list[RotaEntry]) -> dict[str, RotaEntry]:
    """The entry that decides each reader's availability: on duty wins over present, then the
    later end."""
    out: dict[str, RotaEntry] = {}
    for e in entries:
        best = out.get(e.reader_id)
        if best is None or (e.kind == AvailabilityKind.DUTY, e.end) > (
            best.kind == AvailabilityKind.DUTY,
            best.end,
        ):
            out[e.reader_id] = e
    return out


def best_availability(entries: list[RotaEntry]) -> dict[str, Availability]:
    """One availability per reader (``best_entries``)."""
    return {r: Availability(e.kind, e.site, e.end) for r, e in best_entries(entries).items()}


def reader_now(reader: Reader, entry: RotaEntry) -> Reader:
    """The reader as routing sees them under ``entry``: on a rota line's duty, privileged on
    the line's sites only."""
    if isinstance(entry, LineDuty) and entry.line_sites:
        return dataclasses.replace(reader, sites=reader.sites & entry.line_sites)
    return reader


def duty_source(now: dt.datetime) -> dict[str, Availability]:
    """Who can read at ``now``, straight from the database (no cache): on duty by the published
    rota or the presence plan (wins), or present on a site (presence plan)."""
    return best_availability(availability_entries(now, now + dt.timedelta(microseconds=1)))


HISTORY = dt.timedelta(days=7)  # the emergency demand routing learns from
EMERGENCY_CODES = tuple(p.value for p in Priority if p.is_emergency)


def emergency_history(now: dt.datetime) -> dict[tuple[str, str], int]:
    """Emergencies ready in the ``HISTORY`` before ``now`` per (competence, site)."""
    rows = (
        w.Exam.objects.filter(
            priority__code__in=EMERGENCY_CODES, ready_at__gte=now - HISTORY, ready_at__lt=now
        )
        .values_list("competence", "site_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(c, str(site)): n for c, site, n in rows}


# -- the generation token ------------------------------------------------------------------
def generation() -> int:
    """The current generation (0 before the first change). A query compiled once (prepared on
    PostgreSQL): it runs on every routing decision."""
    rows = _generation_query()
    return int(rows[0][0]) if rows else 0


_generation_query = PreparedQuery(
    lambda: w.RoutingGeneration.objects.filter(pk=1).values_list("value"), param=False
)


def bump() -> None:
    """Mark the routing inputs changed, inside the caller's transaction (readers see it when it
    commits). Call it after writes that send no signal (``bulk_create``, ``update``)."""
    token = secrets.randbits(62) or 1
    with transaction.atomic():
        if not w.RoutingGeneration.objects.filter(pk=1).update(value=token):
            w.RoutingGeneration.objects.update_or_create(pk=1, defaults={"value": token})
    forget()  # this process sees its own change at once, even before the commit


def forget() -> None:
    """Drop what this thread keeps: the next decision reads everything from the database."""
    _cache.clear()


# -- the per-process cache --------------------------------------------------------------------
@dataclass
class RoutingInputs:
    """Everything routing reads that changes seldom, loaded for [start, end)."""

    generation: int
    start: dt.datetime  # aware
    end: dt.datetime
    readers: dict[str, Reader]
    site_readers: dict[str, tuple[str, ...]]  # site -> active readers privileged there
    own_first: frozenset[str]
    levels: ServiceLevels
    entries: list[RotaEntry]
    # emergencies per (competence, site) over the days before: the demand the router spares
    # readers for (``RoutingState.seed_emergencies``)
    emergency_seen: dict[tuple[str, str], int] = field(default_factory=dict)
    points: list[dt.datetime] = field(default_factory=list)  # where availability may change
    segments: dict[int, dict[str, tuple[Availability, Reader]]] = field(default_factory=dict)
    # per segment: the readers available on each (competence, site), filled as asked
    pair_readers: dict[int, dict[tuple[str, str], frozenset[str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.points = sorted({e.start for e in self.entries} | {e.end for e in self.entries})

    def covers(self, now: dt.datetime) -> bool:
        return self.start <= now < self.end

    def config(self) -> RoutingConfig:
        return RoutingConfig(levels=self.levels, own_first_members=self.own_first)

    def at(self, t: dt.datetime) -> dict[str, tuple[Availability, Reader]]:
        """Who can read at local naive time ``t``, and as which reader (``reader_now``).
        Constant between two change points, so computed once per segment."""
        i = bisect.bisect_right(self.points, t)
        found = self.segments.get(i)
        if found is None:
            active = best_entries([e for e in self.entries if e.start <= t < e.end])
            found = {
                r: (Availability(e.kind, e.site, e.end), reader_now(self.readers[r], e))
                for r, e in active.items()
                if r in self.readers  # active practitioners only
            }
            self.segments[i] = found
        return found

    def pair_counts(
        self, t: dt.datetime, pairs: set[tuple[str, str]], busy: set[str]
    ) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
        """Readers available at ``t`` on each (competence, site) of ``pairs``, and those of
        them with an empty queue (not in ``busy``), over the whole platform."""
        i = bisect.bisect_right(self.points, t)
        known = self.pair_readers.setdefault(i, {})
        now_readers = self.at(t)
        available, free = {}, {}
        for pair in pairs:
            readers = known.get(pair)
            if readers is None:
                c, s = pair
                readers = known[pair] = frozenset(
                    r
                    for r in self.site_readers.get(s, ())
                    if r in now_readers
                    and c in now_readers[r][1].competences
                    and s in now_readers[r][1].sites
                )
            available[pair] = len(readers)
            free[pair] = len(readers - busy)
        return available, free

    def available_at(self, t: dt.datetime) -> dict[str, Availability]:
        return {r: av for r, (av, _reader) in self.at(t).items()}


def _load(gen: int, now: dt.datetime) -> RoutingInputs:
    start, end = now - WINDOW_BEFORE, now + WINDOW_AFTER
    all_readers = {r.id: r for r in readers()}
    site_readers: dict[str, list[str]] = {}
    for r in all_readers.values():
        for s in r.sites:
            site_readers.setdefault(s, []).append(r.id)
    return RoutingInputs(
        generation=gen,
        start=start,
        end=end,
        readers=all_readers,
        site_readers={s: tuple(sorted(ids)) for s, ids in site_readers.items()},
        own_first=frozenset(str(pk) for pk in registry.own_first_member_ids()),
        levels=service_levels(),
        entries=availability_entries(start, end),
        emergency_seen=emergency_history(now),
    )


class _Cache(threading.local):
    """One copy per thread (a thread is one database connection: one view of the counter)."""

    def __init__(self) -> None:
        self.inputs: dict[str, RoutingInputs] = {}  # database alias -> inputs

    def clear(self) -> None:
        self.inputs.clear()


_cache = _Cache()


def current(now: dt.datetime) -> RoutingInputs:
    """The routing inputs valid at ``now`` for this database, reloaded if they changed."""
    gen = generation()
    found = _cache.inputs.get(connection.alias)
    if found is None or found.generation != gen or not found.covers(now):
        found = _load(gen, now)
        _cache.inputs[connection.alias] = found
    return found
