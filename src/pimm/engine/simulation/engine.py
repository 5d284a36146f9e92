"""Discrete-event simulation of a PIMM reading its exams with a pluggable routing policy.

Events: a reader's availability changes (from the rota), an exam becomes ready, a reader signs,
a policy timer fires. A reader who is available and idle opens the exam the policy gives them
next and signs it ``read_minutes`` later (the time drawn for that exam). Nothing is random
here: randomness lives in the arrivals, so every policy sees the same day.

Step-by-step use (the Django demo fills its worklist this way)::

    sim = Simulation(scenario, Router())
    while (step := sim.step()) is not None:
        ...  # step.at, step.kind, step.exam_id, step.reader_id, step.decisions
    result = sim.result()
"""

from __future__ import annotations

import datetime as dt
import heapq
import time
from collections.abc import Callable
from dataclasses import dataclass

from pimm.engine.routing.model import (
    Availability,
    AvailabilityKind,
    Decision,
    DecisionKind,
    RotaEntry,
)
from pimm.engine.routing.router import BasePolicy
from pimm.engine.routing.state import RoutingState
from pimm.engine.simulation.metrics import compute_metrics
from pimm.engine.simulation.model import ExamOutcome, Metrics, Scenario

# order of simultaneous events: rota changes, then signs (a reader leaving at the minute they
# sign takes nothing new), arrivals, timers
_AVAIL, _SIGN, _ARRIVAL, _TIMER = 0, 1, 2, 3
_KIND_NAMES = {_SIGN: "sign", _AVAIL: "availability", _ARRIVAL: "ready", _TIMER: "timer"}


@dataclass(frozen=True)
class Step:
    at: dt.datetime
    kind: str  # ready | sign | availability | timer
    exam_id: str | None
    reader_id: str | None
    decisions: tuple[Decision, ...]
    opened: tuple[tuple[str, str], ...]  # (reader, exam) opened right after this event


@dataclass(frozen=True)
class SimResult:
    policy: str
    outcomes: tuple[ExamOutcome, ...]
    metrics: Metrics
    journal: tuple
    end: dt.datetime


def availability_changes(
    rota: tuple[RotaEntry, ...] | list[RotaEntry],
) -> list[tuple[dt.datetime, str, Availability | None]]:
    """Turn rota entries into (time, reader, availability or None) changes.

    Overlapping entries merge; duty wins over presence; consecutive entries of the same kind
    and site make no change, so a reader going from a day on site to a night on duty stays
    available without their queue being re-routed.
    """
    per: dict[str, list[RotaEntry]] = {}
    for e in rota:
        if e.end > e.start:
            per.setdefault(e.reader_id, []).append(e)
    out: list[tuple[dt.datetime, str, Availability | None]] = []
    for r, entries in sorted(per.items()):
        points = sorted({e.start for e in entries} | {e.end for e in entries})
        current: tuple | None = None
        for i, t in enumerate(points):
            covering = [e for e in entries if e.start <= t < e.end]
            if covering:
                duty = [e for e in covering if e.kind == AvailabilityKind.DUTY]
                chosen = sorted(duty or covering, key=lambda e: (e.end, e.site or ""))[-1]
                # the availability lasts until the next point where coverage changes
                state = (chosen.kind, chosen.site)
            else:
                state = None
            if state != current:
                until = points[i + 1] if i + 1 < len(points) else None
                out.append((t, r, Availability(state[0], state[1], until) if state else None))
                current = state
    out.sort(key=lambda x: (x[0], x[1]))
    return out


class Simulation:
    def __init__(
        self,
        scenario: Scenario,
        policy: BasePolicy,
        *,
        on_decision: Callable[[Decision], None] | None = None,
    ) -> None:
        self.scenario = scenario
        self.policy = policy
        self.state = RoutingState(scenario.readers, scenario.config)
        self.now = scenario.start
        self._heap: list[tuple] = []
        self._seq = 0
        self._timer_at: dt.datetime | None = None
        self._real_events = 0
        self._reading: dict[str, str | None] = dict.fromkeys(self.state.readers)
        self._read_minutes = {a.exam.id: a.read_minutes for a in scenario.arrivals}
        self.outcomes: dict[str, ExamOutcome] = {}
        self._on_decision = on_decision
        self.route_times: list[float] = []  # seconds per route() call, for the latency bench
        self.timed = False
        for t, r, av in availability_changes(scenario.rota):
            self._push(t, _AVAIL, (r, av))
        for a in scenario.arrivals:
            self._push(a.exam.ready_at, _ARRIVAL, a)

    def _push(self, at: dt.datetime, kind: int, payload) -> None:
        self._seq += 1
        if kind != _TIMER:
            self._real_events += 1
        heapq.heappush(self._heap, (at, kind, self._seq, payload))

    def pending_events(self) -> int:
        return len(self._heap)

    def step(self) -> Step | None:
        """Process the next event; None when nothing is left."""
        if not self._heap:
            return None
        at, kind, _seq, payload = heapq.heappop(self._heap)
        if kind != _TIMER:
            self._real_events -= 1
        self.now = at
        st, pol = self.state, self.policy
        decisions: list[Decision] = []
        touched: list[str] = []
        exam_id = reader_id = None
        if kind == _ARRIVAL:
            exam = payload.exam
            exam_id = exam.id
            self.outcomes[exam.id] = ExamOutcome(exam, payload.read_minutes)
            if self.timed:
                t0 = time.perf_counter()
                d = pol.route(exam, at, st)
                self.route_times.append(time.perf_counter() - t0)
            else:
                d = pol.route(exam, at, st)
            decisions.append(d)
        elif kind == _SIGN:
            reader_id, exam_id = payload
            self._reading[reader_id] = None
            self.outcomes[exam_id].signed_at = at
            decisions += pol.on_sign(exam_id, reader_id, at, st)
            touched.append(reader_id)
        elif kind == _AVAIL:
            changes = [payload]
            while self._heap and self._heap[0][0] == at and self._heap[0][1] == _AVAIL:
                changes.append(heapq.heappop(self._heap)[3])
                self._real_events -= 1
            reader_id = payload[0] if len(changes) == 1 else None
            decisions += pol.set_availabilities(changes, at, st)
            touched += [r for r, _av in changes]
        else:
            self._timer_at = None
            decisions += pol.tick(at, st)
        for d in decisions:
            self._note(d)
            if d.reader_id is not None:
                touched.append(d.reader_id)
        opened = []
        for r in dict.fromkeys(touched):
            if self._reading[r] is None and r in st.available:
                nxt = pol.next_exam(r, st)
                if nxt is not None:
                    pol.on_open(nxt, r, at, st)
                    self._reading[r] = nxt
                    self.outcomes[nxt].opened_at = at
                    minutes = self._read_minutes[nxt]
                    self._push(at + dt.timedelta(minutes=minutes), _SIGN, (r, nxt))
                    opened.append((r, nxt))
        nt = pol.next_timer(st)
        if nt is not None and (self._timer_at is None or nt < self._timer_at):
            self._timer_at = max(nt, at)
            self._push(self._timer_at, _TIMER, None)
        return Step(at, _KIND_NAMES[kind], exam_id, reader_id, tuple(decisions), tuple(opened))

    def _note(self, d: Decision) -> None:
        o = self.outcomes[d.exam_id]
        if o.first_decision_at is None:
            o.first_decision_at = d.at
        if d.kind == DecisionKind.ESCALATE:
            o.escalated = True
        elif d.reader_id is not None:
            if o.reader_id is not None and d.kind == DecisionKind.REROUTE:
                o.reroutes += 1
            if o.assigned_at is None:
                o.assigned_at = d.at
            o.reader_id = d.reader_id
        elif d.kind == DecisionKind.REROUTE or d.previous_reader_id is not None:
            o.reroutes += 1
        if self._on_decision is not None:
            self._on_decision(d)

    def run_until(self, t: dt.datetime) -> list[Step]:
        steps = []
        while self._heap and self._heap[0][0] <= t:
            steps.append(self.step())
        return steps

    def run(self) -> SimResult:
        """Run until the rota ends and every event is processed."""
        while self._real_events > 0:  # timers alone cannot make progress
            self.step()
        return self.result()

    def result(self) -> SimResult:
        outcomes = tuple(
            self.outcomes[a.exam.id] for a in self.scenario.arrivals if a.exam.id in self.outcomes
        )
        return SimResult(
            policy=self.policy.name,
            outcomes=outcomes,
            metrics=compute_metrics(outcomes, self.scenario.rota, self.scenario.config.levels),
            journal=tuple(self.state.journal),
            end=self.now,
        )


def simulate(scenario: Scenario, policy: BasePolicy) -> SimResult:
    return Simulation(scenario, policy).run()
