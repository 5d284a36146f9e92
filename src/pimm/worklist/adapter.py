"""ORM rows -> ``pimm.engine.routing`` dataclasses -> decisions written back by the services.

Any process can route: what changes seldom (readers, who is available, service levels) comes
from ``inputs`` (kept in memory per process, reloaded when its generation changes), and what
changes with every decision (the exams held and their open times) is read from the database
each time. Two ways to read the state:

- ``Routing(now)`` builds the whole routing state (every reader who can read now or holds an
  exam, every assignment not signed, their open times): the tick and the pull after a
  signature, which may move work between any readers, use it.
- ``ExamRouting(exam, now)`` loads only what routing one new exam reads (the readers with
  privileges on the exam's site who can read now, and the exams they hold): a few compiled
  queries (``prepared``) whose size is that of one site's queues, not of the whole platform. Given the same database it
  takes the engine's decision on the full state, except that queues left by readers gone off
  duty are re-routed by the next tick, not first.

Writes go through ``services.decisions_apply``, which claims each exam with a conditional UPDATE
on ``Exam.routing_version``: a decision taken on stale data loses and is dropped.
"""

from __future__ import annotations

import datetime as dt

from pimm.engine.routing import (
    Availability,
    AvailabilityKind,
    Decision,
    Exam,
    Priority,
    Router,
    RoutingState,
)
from pimm.worklist import inputs
from pimm.worklist import models as w
from pimm.worklist.inputs import naive
from pimm.worklist.prepared import PreparedQuery

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
        known = inputs.current(now)
        now_readers = known.at(self.t)
        available = {r: av for r, (av, _reader) in now_readers.items()}
        # every exam held, as plain values (no model instances: the tick runs every minute)
        held = list(
            w.Assignment.objects.filter(ended_at__isnull=True, exam__status=w.Exam.Status.ASSIGNED)
            .order_by("assigned_at", "pk")
            .values_list(
                "reader_id",
                "assigned_at",
                "opened_at",
                "exam__routing_version",
                "exam__escalated_at",
                *EXAM_FIELDS,
            )
        )
        # only readers who may read now or hold an exam matter to this decision
        wanted = set(available) | {str(row[0]) for row in held}
        self.state = RoutingState(
            [
                now_readers[r][1] if r in now_readers else known.readers[r]
                for r in sorted(wanted)
                if r in known.readers
            ],
            known.config(),
        )
        self.state.seed_emergencies(known.emergency_seen)
        self.versions: dict[str, int] = {}
        self.available = {r: av for r, av in available.items() if r in self.state.readers}
        for r, av in self.available.items():
            self.state.set_availability(r, av)
        levels = self.state.config.levels
        self.off_holders: list[str] = []
        for reader_id, assigned_at, opened_at, version, escalated_at, *values in held:
            reader = str(reader_id)
            if reader not in self.state.readers:
                continue
            ex = engine_exam_values(tuple(values))
            self.versions[ex.id] = version
            opened = naive(opened_at) if opened_at else None
            self.state.restore_assignment(ex, reader, naive(assigned_at), opened)
            if reader not in self.available and reader not in self.off_holders:
                # held by a reader who is no longer on duty: re-routed by ``readers_left``
                self.off_holders.append(reader)
                self.state.set_availability(reader, Availability(AvailabilityKind.PRESENT))
            if opened is None:
                delay = levels.open_delays[ex.priority]
                self.state.push_timer(naive(assigned_at) + delay, "open_delay", ex.id)
            if not escalated_at:
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


# the exams held by the readers privileged on a site, in assignment order (every decision)
held_on_site = PreparedQuery(
    lambda site_id: (
        w.Assignment.objects.filter(
            ended_at__isnull=True, exam__status=w.Exam.Status.ASSIGNED, reader__sites=site_id
        )
        .order_by("assigned_at", "pk")
        .values_list("reader_id", "assigned_at", "opened_at", *EXAM_FIELDS)
    )
)
# one exam: its status, routing version and ``EXAM_FIELDS`` (every decision)
_exam_row = PreparedQuery(
    lambda exam_id: w.Exam.objects.filter(pk=exam_id).values_list(
        "status", "routing_version", "pk", *(f.removeprefix("exam__") for f in EXAM_FIELDS[1:])
    )
)


# the readers holding at least one exam (a queue not empty), every decision
_busy_readers = PreparedQuery(
    lambda: (
        w.Assignment.objects.filter(ended_at__isnull=True, exam__status=w.Exam.Status.ASSIGNED)
        .order_by()  # no default ordering: DISTINCT on the reader alone
        .values_list("reader_id")
        .distinct()
    ),
    param=False,
)


def exam_to_route(exam_id: int) -> tuple[int, Exam] | None:
    """(routing version, engine exam) of an exam whose images wait to be routed, None if its
    status is another; without building its SQL again."""
    rows = _exam_row(exam_id)
    if not rows:
        raise w.Exam.DoesNotExist(f"exam {exam_id}")
    status, version, *values = rows[0]
    if status != w.Exam.Status.IMAGES_AVAILABLE:
        return None
    return version, engine_exam_values(tuple(values))


class ExamRouting:
    """The slice of the routing state that routing one new exam reads: the readers with
    privileges on the exam's site who can read now (from ``inputs``, in memory), and the exams
    they hold (for their queues, loads and the patient's grouping: one query).

    Why it is enough: ``Router.route`` only looks at readers eligible for the exam (available,
    privileged on its site, competent or fallback-competent) and at their queues; a reader of
    the patient's other exams who is not one of them is not eligible, so grouping gives the
    same answer. Readers keep all their sites, as in the full state.
    """

    def __init__(self, exam: Exam, version: int, now: dt.datetime) -> None:
        """``exam``: the engine's exam (``engine_exam`` or ``exam_to_route``); ``version``:
        its ``routing_version`` as read, which the write of the decision claims."""
        self.now = now
        self.t = naive(now)
        self.policy = Router()
        self.exam = exam
        known = inputs.current(now)
        now_readers = known.at(self.t)
        ids = [
            r
            for r in known.site_readers.get(exam.site, ())
            if r in now_readers and exam.site in now_readers[r][1].sites
        ]
        self.available = {r: now_readers[r][0] for r in ids}
        # service levels only drive timers, which this one-decision state does not keep
        self.state = RoutingState([now_readers[r][1] for r in ids], known.config())
        for r, av in self.available.items():
            self.state.set_availability(r, av)
        for reader, assigned_at, opened_at, *values in held_on_site(int(exam.site)):
            if str(reader) not in self.available:
                continue  # held by a reader who cannot read now: not a candidate
            self.state.restore_assignment(
                engine_exam_values(tuple(values)),
                str(reader),
                naive(assigned_at),
                naive(opened_at) if opened_at else None,
            )
        # what the whole state would know of the readers elsewhere: the emergency demand and
        # who is available and free on each competence and site these readers cover
        self.state.seed_emergencies(known.emergency_seen)
        if ids:
            pairs = {p for r in ids for p in self.state.pairs_of(r)}
            busy = {str(row[0]) for row in _busy_readers()}
            self.state.set_pair_counts(*known.pair_counts(self.t, pairs, busy))
        self.versions = {exam.id: version}
        self.decisions: list[Decision] = []

    def route(self) -> Decision:
        return self.policy.route(self.exam, self.t, self.state)
