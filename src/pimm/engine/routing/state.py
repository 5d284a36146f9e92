"""The mutable memory of a routing run: who is available, who holds what, what waits.

A policy reads and writes a ``RoutingState``; the state itself takes no decision. Every
decision, open and sign is appended to ``journal`` so that ``checker.check_run`` can replay it.
The Django ``worklist`` adapter may keep one state per process, or rebuild one from the
database with ``set_availability`` and ``restore_assignment``.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable
from dataclasses import dataclass

from pimm.engine.routing.model import (
    Availability,
    AvailabilityKind,
    Decision,
    Exam,
    Reader,
    RoutingConfig,
)


@dataclass(frozen=True)
class Event:
    """A reader opened or signed an exam (journal entry next to the decisions)."""

    kind: str  # "open" | "sign"
    exam_id: str
    reader_id: str
    at: dt.datetime


def queue_key(exam: Exam) -> tuple:
    """Reading order of a queue: critical first, then the emergency classes by class and, within
    a class, shortest expected reading first, then the other classes by earliest deadline.

    Among emergencies of one class waiting for one reader, shortest first lowers their mean
    turnaround (a 10-minute read waits 20 minutes less behind a 30-minute one than the
    reverse); a life-threatening exam never waits behind an emergency.
    """
    if exam.priority.is_emergency:
        rank = exam.priority.rank
        return (not exam.critical, 0, rank, exam.work_units, exam.deadline, exam.ready_at, exam.id)
    return (not exam.critical, 1, 0, 0.0, exam.deadline, exam.ready_at, exam.id)


def pending_key(exam: Exam) -> tuple:
    return (not exam.critical, exam.priority.rank, exam.deadline, exam.ready_at, exam.id)


class RoutingState:
    def __init__(self, readers: Iterable[Reader], config: RoutingConfig | None = None) -> None:
        self.config = config or RoutingConfig()
        self.readers: dict[str, Reader] = {}
        self.index: dict[tuple[str, str], tuple[str, ...]] = {}
        idx: dict[tuple[str, str], list[str]] = {}
        for r in sorted(readers, key=lambda r: r.id):
            if r.id in self.readers:
                raise ValueError(f"duplicate reader {r.id}")
            self.readers[r.id] = r
            for c in r.competences:
                for s in r.sites:
                    idx.setdefault((c, s), []).append(r.id)
        self.index = {k: tuple(v) for k, v in idx.items()}
        # competences that may fall back onto a given competence
        self.fallback_sources: dict[str, tuple[str, ...]] = {}
        for src, dst in sorted(self.config.fallback.items()):
            self.fallback_sources.setdefault(dst, ())
            self.fallback_sources[dst] += (src,)
        self.available: dict[str, Availability] = {}
        self.exams: dict[str, Exam] = {}  # known and not signed
        self.holder: dict[str, str] = {}  # exam -> reader
        self.assigned_at: dict[str, dt.datetime] = {}
        self.opened: dict[str, dt.datetime] = {}  # exam -> opened at (not signed)
        self.queues: dict[str, dict[str, None]] = {r: {} for r in self.readers}
        self.load: dict[str, float] = dict.fromkeys(self.readers, 0.0)
        self.assigned_units: dict[str, float] = dict.fromkeys(self.readers, 0.0)
        self.patients: dict[str, dict[str, int]] = {}  # patient -> reader -> unsigned count
        self.pending: set[str] = set()
        self.buckets: dict[tuple[str, str, bool], list[tuple]] = {}
        self.escalated: dict[str, str] = {}  # exam -> last escalation reason (unsigned only)
        self.signed: set[str] = set()
        self.version: dict[str, int] = {}
        self.timers: list[tuple] = []
        self.journal: list[Decision | Event] = []
        # emergencies routed so far per (competence, site): the demand the router has seen
        self.emergency_seen: dict[tuple[str, str], int] = {}
        # per (competence, site): readers available now, and those of them with an empty queue
        self._avail_count: dict[tuple[str, str], int] = dict.fromkeys(self.index, 0)
        self._free_count: dict[tuple[str, str], int] = dict.fromkeys(self.index, 0)
        self._flags: dict[str, tuple[bool, bool]] = dict.fromkeys(self.readers, (False, False))
        self.rr_counter = 0
        self._seq = 0
        self._batch = 0

    # -- queries ---------------------------------------------------------------------------
    def new_batch(self) -> int:
        self._batch += 1
        return self._batch

    def unopened_queue(self, reader_id: str) -> list[Exam]:
        return [self.exams[e] for e in self.queues[reader_id] if e not in self.opened]

    def _reading_ends(self, exam: Exam, opened: dt.datetime, now: dt.datetime) -> dt.datetime:
        """Expected end of a reading under way: its estimate, and a reading that has already
        overrun it is still expected to need ``overrun_floor`` of the estimate (reading times
        are skewed: one that runs long tends to run longer still)."""
        mean = dt.timedelta(minutes=exam.work_units * self.config.minutes_per_unit)
        return max(opened + mean, now + mean * self.config.overrun_floor)

    def busy_until(self, reader_id: str, now: dt.datetime) -> dt.datetime:
        t = now
        for e in self.queues[reader_id]:
            opened = self.opened.get(e)
            if opened is not None:
                t = max(t, self._reading_ends(self.exams[e], opened, now))
        return t

    def estimate_finish(self, reader_id: str, exam: Exam, now: dt.datetime) -> dt.datetime:
        """When ``reader_id`` would sign ``exam`` if it were in their queue (EDF order)."""
        key = queue_key(exam)
        ahead = exam.work_units
        t = now
        mpu = self.config.minutes_per_unit
        for e in self.queues[reader_id]:
            other = self.exams[e]
            opened = self.opened.get(e)
            if opened is not None:
                t = max(t, self._reading_ends(other, opened, now))
            elif e != exam.id and queue_key(other) < key:
                ahead += other.work_units
        return t + dt.timedelta(minutes=ahead * mpu)

    def under_cap(self, reader_id: str, exam: Exam) -> bool:
        load = self.load[reader_id]
        return load <= 0.0 or load + exam.work_units <= self.readers[reader_id].cap_units + 1e-9

    def is_reading(self, reader_id: str) -> bool:
        """The reader has opened an exam not yet signed (busy: reading is not preempted)."""
        return any(e in self.opened for e in self.queues[reader_id])

    def _pairs(self, reader_id: str):
        r = self.readers[reader_id]
        return [(c, s) for c in r.competences for s in r.sites]

    def coverage_harm(self, reader_id: str) -> float:
        """What giving this reader one more exam costs the next emergencies: for each
        (competence, site) they cover, the emergencies seen there over the cube of the readers
        free now (available, empty queue). Taking the only free reader of a busy pair weighs
        most; a pair with other free readers, or where no emergency comes, hardly counts."""
        harm = 0.0
        for p in self._pairs(reader_id):
            seen = self.emergency_seen.get(p, 0)
            free = self._free_count.get(p, 0)
            if seen and free:
                harm += seen / free**3
        return harm

    def emergency_need(self, reader_id: str) -> float:
        """How much the emergencies need this reader: for each (competence, site) they cover,
        the emergencies seen there over the square of the readers available (their share of
        that demand, weighted again by how few share it)."""
        need = 0.0
        for p in self._pairs(reader_id):
            seen = self.emergency_seen.get(p, 0)
            avail = self._avail_count.get(p, 0)
            if seen and avail:
                need += seen / avail**2
        return need

    def note_emergency(self, exam: Exam, count: int = 1) -> None:
        """Count an emergency of the exam's competence and site (the router calls it on each
        routed emergency; a state rebuilt from a database may seed it from recent history)."""
        k = (exam.competence, exam.site)
        self.emergency_seen[k] = self.emergency_seen.get(k, 0) + count

    def set_pair_counts(
        self, available: dict[tuple[str, str], int], free: dict[tuple[str, str], int]
    ) -> None:
        """Counts of available and free readers per (competence, site) over the whole platform,
        for a state that holds only part of it (one site's readers): ``coverage_harm`` and
        ``emergency_need`` then read what the whole state would. The totals include this
        state's readers as they are now; later moves adjust them as usual."""
        self._avail_count.update(available)
        self._free_count.update(free)

    def pairs_of(self, reader_id: str) -> list[tuple[str, str]]:
        return self._pairs(reader_id)

    def seed_emergencies(self, seen: dict[tuple[str, str], int]) -> None:
        """Emergencies seen per (competence, site) before this state existed (a state rebuilt
        from a database: its recent history), as if the router had routed them."""
        for k, n in seen.items():
            self.emergency_seen[k] = self.emergency_seen.get(k, 0) + n

    def _refresh(self, reader_id: str) -> None:
        """Keep the per-(competence, site) counts of available and free readers up to date."""
        avail = reader_id in self.available
        flags = (avail, avail and not self.queues[reader_id])
        old = self._flags[reader_id]
        if flags == old:
            return
        self._flags[reader_id] = flags
        da, df = int(flags[0]) - int(old[0]), int(flags[1]) - int(old[1])
        for p in self._pairs(reader_id):
            self._avail_count[p] += da
            self._free_count[p] += df

    def is_duty(self, reader_id: str) -> bool:
        av = self.available.get(reader_id)
        return av is not None and av.kind == AvailabilityKind.DUTY

    # -- mutations -------------------------------------------------------------------------
    def record(self, entry: Decision | Event) -> None:
        self.journal.append(entry)

    def push_timer(self, at: dt.datetime, kind: str, exam_id: str) -> None:
        self._seq += 1
        heapq.heappush(self.timers, (at, self._seq, kind, exam_id, self.version.get(exam_id, 0)))

    def assign(self, exam: Exam, reader_id: str, now: dt.datetime) -> None:
        self.exams[exam.id] = exam
        self._drop_pending(exam.id)
        self.holder[exam.id] = reader_id
        self.assigned_at[exam.id] = now
        self.queues[reader_id][exam.id] = None
        self.load[reader_id] += exam.work_units
        self.assigned_units[reader_id] += exam.work_units
        holders = self.patients.setdefault(exam.patient_key, {})
        holders[reader_id] = holders.get(reader_id, 0) + 1
        self.version[exam.id] = self.version.get(exam.id, 0) + 1
        self._refresh(reader_id)

    def unassign(self, exam_id: str) -> str:
        reader_id = self.holder.pop(exam_id)
        exam = self.exams[exam_id]
        del self.queues[reader_id][exam_id]
        self.assigned_at.pop(exam_id, None)
        self.load[reader_id] -= exam.work_units
        self.assigned_units[reader_id] -= exam.work_units
        holders = self.patients[exam.patient_key]
        holders[reader_id] -= 1
        if holders[reader_id] == 0:
            del holders[reader_id]
        if not holders:
            del self.patients[exam.patient_key]
        self.version[exam_id] = self.version.get(exam_id, 0) + 1
        self._refresh(reader_id)
        return reader_id

    def hold(self, exam: Exam) -> None:
        self.exams[exam.id] = exam
        if exam.id in self.pending:
            return
        self.pending.add(exam.id)
        key = (exam.competence, exam.site, exam.priority.is_emergency)
        heapq.heappush(self.buckets.setdefault(key, []), (pending_key(exam), exam.id))
        self.version[exam.id] = self.version.get(exam.id, 0) + 1

    def _drop_pending(self, exam_id: str) -> None:
        self.pending.discard(exam_id)  # bucket entries are removed lazily

    def bucket_head(self, key: tuple[str, str, bool]) -> str | None:
        heap = self.buckets.get(key)
        while heap:
            exam_id = heap[0][1]
            if exam_id in self.pending:
                return exam_id
            heapq.heappop(heap)
        if heap is not None:
            del self.buckets[key]
        return None

    def open(self, exam_id: str, reader_id: str, now: dt.datetime) -> None:
        if self.holder.get(exam_id) != reader_id:
            raise ValueError(f"{reader_id} cannot open {exam_id}: not in their queue")
        self.opened[exam_id] = now
        self.record(Event("open", exam_id, reader_id, now))

    def sign(self, exam_id: str, reader_id: str, now: dt.datetime) -> None:
        if self.holder.get(exam_id) != reader_id:
            raise ValueError(f"{reader_id} cannot sign {exam_id}: not in their queue")
        self.unassign(exam_id)
        # unassign() took the units back; a signed exam counts in the reader's share
        self.assigned_units[reader_id] += self.exams[exam_id].work_units
        self.opened.pop(exam_id, None)
        self.escalated.pop(exam_id, None)
        del self.exams[exam_id]
        self.signed.add(exam_id)
        self.record(Event("sign", exam_id, reader_id, now))

    def set_availability(self, reader_id: str, availability: Availability | None) -> None:
        if reader_id not in self.readers:
            raise KeyError(reader_id)
        if availability is None:
            self.available.pop(reader_id, None)
        else:
            self.available[reader_id] = availability
        self._refresh(reader_id)

    def restore_assignment(
        self,
        exam: Exam,
        reader_id: str,
        assigned_at: dt.datetime,
        opened_at: dt.datetime | None = None,
    ) -> None:
        """Rebuild the state from stored assignments (no decision is journaled)."""
        self.assign(exam, reader_id, assigned_at)
        if opened_at is not None:
            self.opened[exam.id] = opened_at
