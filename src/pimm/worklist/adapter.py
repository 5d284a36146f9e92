"""ORM rows -> ``pimm.engine.routing`` dataclasses -> decisions written back by the services.

Nothing lives in memory between requests: any process can route. Two ways to read the state:

- ``Routing(now)`` rebuilds the whole routing state (readers, who is available now, every
  assignment not signed, their open times): the tick and the pull after a signature, which
  may move work between any readers, use it.
- ``ExamRouting(exam, now)`` loads only what routing one new exam reads (the active readers
  with privileges on the exam's site, their availability now, the exams they hold): a few
  indexed queries whose size is that of one site's queues, not of the whole platform. Given
  the same database it takes the engine's decision on the full state, except that queues
  left by readers gone off duty are re-routed by the next tick, not first. Writes go through ``services.decisions_apply``, which claims each exam with a
conditional UPDATE on ``Exam.routing_version``: a decision taken on stale data loses and is dropped.

Duty source (``availability_entries``, one place for live routing and for the demo's
simulation): who is on duty comes from the **published** on-call rota (``oncall`` selectors: a
draft or superseded rota never counts), and who is present on a site from the presence plan
(``ReaderPresence``, which may also carry duties outside the PDSES periods, e.g. the weekday
emergency line). On duty wins over present.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from pimm.engine.routing import (
    Availability,
    AvailabilityKind,
    Decision,
    Exam,
    Priority,
    Reader,
    RotaEntry,
    Router,
    RoutingConfig,
    RoutingState,
    ServiceLevels,
)
from pimm.oncall import selectors as oncall
from pimm.registry import selectors as registry
from pimm.worklist import models as w

CAP_UNITS = 6.0


def naive(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value).replace(tzinfo=None)


def aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value)


def service_levels() -> ServiceLevels:
    classes = {p.code: p for p in w.PriorityClass.objects.all()}
    base = ServiceLevels()
    targets = dict(base.targets)
    delays = dict(base.open_delays)
    for code, pc in classes.items():
        targets[Priority(code)] = dt.timedelta(minutes=pc.target_minutes)
        delays[Priority(code)] = dt.timedelta(minutes=pc.open_delay_minutes)
    return ServiceLevels(targets=targets, open_delays=delays)


def routing_config() -> RoutingConfig:
    own = frozenset(str(pk) for pk in registry.own_first_member_ids())
    return RoutingConfig(levels=service_levels(), own_first_members=own)


def readers(ids: set[str] | None = None) -> list[Reader]:
    """Active practitioners (those of ``ids`` when given) as engine readers, from plain values:
    no model instances, as this runs on every routing call."""
    qs = registry.active_practitioners()
    if ids is not None:
        qs = qs.filter(pk__in=sorted(int(i) for i in ids))
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


def duty_entries(start: dt.datetime, end: dt.datetime) -> list[RotaEntry]:
    """Published on-call duties overlapping [start, end). A duty on a line without remote
    reading is placed on the line's first site; with remote reading it has no site."""
    out: list[RotaEntry] = []
    for d in oncall.on_duty_between(start=start, end=end):
        site = None if d.remote_allowed or not d.site_ids else str(d.site_ids[0])
        out.append(
            RotaEntry(
                str(d.practitioner_id),
                naive(d.starts_at),
                naive(d.ends_at),
                AvailabilityKind.DUTY,
                site,
            )
        )
    return out


def presence_entry(practitioner_id, site_id, start, end, on_duty) -> RotaEntry:
    """One presence-plan row as an engine ``RotaEntry``."""
    kind = AvailabilityKind.DUTY if on_duty else AvailabilityKind.PRESENT
    site = str(site_id) if site_id else None
    return RotaEntry(str(practitioner_id), naive(start), naive(end), kind, site)


PRESENCE_FIELDS = ("practitioner_id", "site_id", "start", "end", "on_duty")


def availability_entries(start: dt.datetime, end: dt.datetime) -> list[RotaEntry]:
    """Published on-call duties and presence-plan rows overlapping [start, end), as engine
    ``RotaEntry`` values (local naive times)."""
    rows = (
        w.ReaderPresence.objects.filter(start__lt=end, end__gt=start)
        .order_by("start", "pk")
        .values_list(*PRESENCE_FIELDS)
    )
    return duty_entries(start, end) + [presence_entry(*row) for row in rows]


def best_availability(entries: list[RotaEntry]) -> dict[str, Availability]:
    """One availability per reader: on duty wins over present, then the later end."""
    out: dict[str, tuple] = {}
    for e in entries:
        rank = (e.kind == AvailabilityKind.DUTY, e.end)
        if e.reader_id not in out or rank > out[e.reader_id][0]:
            out[e.reader_id] = (rank, Availability(e.kind, e.site, e.end))
    return {r: av for r, (_rank, av) in out.items()}


def duty_source(now: dt.datetime) -> dict[str, Availability]:
    """Who can read at ``now``: on duty by the published rota or the presence plan (wins), or
    present on a site (presence plan)."""
    return best_availability(availability_entries(now, now + dt.timedelta(microseconds=1)))


EXAM_FIELDS = (
    "exam_id",
    "exam__patient__pseudonym",
    "exam__site_id",
    "exam__member_id",
    "exam__modality",
    "exam__competence",
    "exam__priority__code",
    "exam__ready_at",
    "exam__deadline",
    "exam__work_units",
    "exam__critical",
    "exam__exam_type",
)


def engine_exam_values(row: tuple) -> Exam:
    """``engine_exam`` from the plain values of ``EXAM_FIELDS`` (no model instances)."""
    pk, pseudonym, site, member, modality, competence, prio, ready, deadline, units, crit, typ = row
    return Exam(
        id=str(pk),
        patient_key=pseudonym,
        site=str(site),
        member=str(member),
        modality=modality,
        competence=competence,
        priority=Priority(prio),
        ready_at=naive(ready),
        deadline=naive(deadline),
        work_units=units,
        critical=crit,
        exam_type=typ,
    )


def engine_exam(exam: w.Exam) -> Exam:
    return Exam(
        id=str(exam.pk),
        patient_key=exam.patient.pseudonym,
        site=str(exam.site_id),
        member=str(exam.member_id),
        modality=exam.modality,
        competence=exam.competence,
        priority=Priority(exam.priority.code),
        ready_at=naive(exam.ready_at),
        deadline=naive(exam.deadline),
        work_units=exam.work_units,
        critical=exam.critical,
        exam_type=exam.exam_type,
    )


class Routing:
    """A routing state rebuilt from the database at ``now`` and the router that acts on it."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.t = naive(now)
        self.policy = Router()
        available = duty_source(now)
        held = list(
            w.Assignment.objects.filter(ended_at__isnull=True, exam__status=w.Exam.Status.ASSIGNED)
            .select_related("exam__patient", "exam__priority")
            .order_by("assigned_at", "pk")
        )
        # only readers who may read now or hold an exam matter to this decision
        wanted = set(available) | {str(a.reader_id) for a in held}
        self.state = RoutingState(readers(wanted), routing_config())
        self.versions: dict[str, int] = {}
        self.available = {r: av for r, av in available.items() if r in self.state.readers}
        for r, av in self.available.items():
            self.state.set_availability(r, av)
        levels = self.state.config.levels
        self.off_holders: list[str] = []
        for a in held:
            reader = str(a.reader_id)
            if reader not in self.state.readers:
                continue
            ex = engine_exam(a.exam)
            self.versions[ex.id] = a.exam.routing_version
            opened = naive(a.opened_at) if a.opened_at else None
            self.state.restore_assignment(ex, reader, naive(a.assigned_at), opened)
            if reader not in self.available and reader not in self.off_holders:
                # held by a reader who is no longer on duty: re-routed by ``readers_left``
                self.off_holders.append(reader)
                self.state.set_availability(reader, Availability(AvailabilityKind.PRESENT))
            if opened is None:
                delay = levels.open_delays[ex.priority]
                self.state.push_timer(naive(a.assigned_at) + delay, "open_delay", ex.id)
            if not a.exam.escalated_at:
                risk = ex.ready_at + levels.target(ex.priority) * levels.risk_fraction
                self.state.push_timer(risk, "risk", ex.id)
        self.decisions: list[Decision] = self._readers_left()

    def _readers_left(self) -> list[Decision]:
        """Queues of readers who went off duty (not opened) go to someone else."""
        return self.policy.set_availabilities(
            [(r, None) for r in self.off_holders], self.t, self.state
        )

    def route(self, exam: w.Exam) -> Decision:
        self.versions[str(exam.pk)] = exam.routing_version
        return self.policy.route(engine_exam(exam), self.t, self.state)

    def pull(self, reader_id: int, waiting) -> list[Decision]:
        """The reader signed: the waiting exams enter the state, then the router pulls work
        to them (the shared queue, or an emergency waiting in a busier queue)."""
        out = []
        for exam in waiting:
            if str(exam.pk) not in self.state.exams:
                self.versions[str(exam.pk)] = exam.routing_version
                out.append(self.policy.route(engine_exam(exam), self.t, self.state))
        return out + self.policy.pull(str(reader_id), self.t, self.state)

    def tick(self) -> list[Decision]:
        return self.policy.tick(self.t, self.state)


class ExamRouting:
    """The slice of the routing state that routing one new exam reads, loaded with a few
    indexed queries: the active readers with privileges on the exam's site who can read now,
    and the exams they hold (for their queues, loads and the patient's grouping).

    Why it is enough: ``Router.route`` only looks at readers eligible for the exam (available,
    privileged on its site, competent or fallback-competent) and at their queues; a reader of
    the patient's other exams who is not one of them is not eligible, so grouping gives the
    same answer. Readers get only the exam's site in ``Reader.sites`` (the only one tested).
    """

    def __init__(self, exam: w.Exam, now: dt.datetime) -> None:
        self.now = now
        self.t = naive(now)
        self.policy = Router()
        self.exam = exam
        site = str(exam.site_id)
        end = now + dt.timedelta(microseconds=1)
        site_readers = registry.active_practitioners().filter(sites=exam.site_id)
        reader_fields = ("member_id", "competences")
        # the site's readers present now, with what the router needs of them: one query
        info: dict[int, tuple] = {}
        presence = []
        for pid, member_id, competences, *row in (
            w.ReaderPresence.objects.filter(
                start__lt=end, end__gt=now, practitioner__in=site_readers.values("pk")
            )
            .order_by("start", "pk")
            .values_list(
                "practitioner_id", *(f"practitioner__{f}" for f in reader_fields), *PRESENCE_FIELDS
            )
        ):
            info[pid] = (member_id, competences)
            presence.append(presence_entry(*row))
        duties = duty_entries(now, end)
        missing = {int(e.reader_id) for e in duties} - set(info)
        if missing:  # on duty by the rota, not in the presence plan
            for pk, *values in site_readers.filter(pk__in=sorted(missing)).values_list(
                "pk", *reader_fields
            ):
                info[pk] = tuple(values)
        ids = {str(pk) for pk in info}
        self.available = best_availability(
            [e for e in duties if e.reader_id in ids] + presence  # the order of duty_source
        )
        own = frozenset(str(pk) for pk in registry.own_first_member_ids())
        # service levels only drive timers, which this one-decision state does not keep
        self.state = RoutingState(
            [
                Reader(
                    id=str(pk),
                    member=str(member_id),
                    competences=frozenset(competences or ()),
                    sites=frozenset((site,)),
                    cap_units=CAP_UNITS,
                )
                for pk, (member_id, competences) in sorted(info.items())
            ],
            RoutingConfig(own_first_members=own),
        )
        for r, av in self.available.items():
            self.state.set_availability(r, av)
        held = (
            w.Assignment.objects.filter(
                ended_at__isnull=True,
                exam__status=w.Exam.Status.ASSIGNED,
                reader_id__in=sorted(int(r) for r in self.available),
            )
            .order_by("assigned_at", "pk")
            .values_list("reader_id", "assigned_at", "opened_at", *EXAM_FIELDS)
        )
        for reader, assigned_at, opened_at, *values in held:
            self.state.restore_assignment(
                engine_exam_values(tuple(values)),
                str(reader),
                naive(assigned_at),
                naive(opened_at) if opened_at else None,
            )
        self.versions = {str(exam.pk): exam.routing_version}
        self.decisions: list[Decision] = []

    def route(self) -> Decision:
        return self.policy.route(engine_exam(self.exam), self.t, self.state)
