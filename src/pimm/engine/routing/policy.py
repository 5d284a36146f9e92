"""What every routing policy shares: patient grouping, caps, the shared waiting queue,
re-routing when a reader goes off duty, the timers (``BasePolicy``); the policies differ in
the choice of a reader (``router.Router``, ``baseline.RoundRobinPolicy``)."""

from __future__ import annotations

import datetime as dt

from pimm.engine.routing.model import (
    Availability,
    AvailabilityKind,
    Decision,
    DecisionKind,
    Exam,
    Reader,
    can_read,
)
from pimm.engine.routing.state import RoutingState, queue_key


class _Choice:
    __slots__ = ("reader_id", "rule", "reason")

    def __init__(self, reader_id: str | None, rule: str, reason: str) -> None:
        self.reader_id = reader_id
        self.rule = rule
        self.reason = reason


class BasePolicy:
    name = "base"
    uses_timers = False
    reroute_on_duty_switch = False  # move scheduled work away from a reader who goes on duty

    # -- public API ------------------------------------------------------------------------
    def route(self, exam: Exam, now: dt.datetime, state: RoutingState) -> Decision:
        """Assign an exam that is ready to read, or hold/escalate it. Mutates ``state``."""
        if exam.id in state.exams or exam.id in state.signed:
            raise ValueError(f"exam {exam.id} already routed")
        state.exams[exam.id] = exam
        if exam.priority.is_emergency:
            state.note_emergency(exam)
        if self.uses_timers:
            lv = state.config.levels
            risk_at = exam.ready_at + lv.target(exam.priority) * lv.risk_fraction
            state.push_timer(max(risk_at, now), "risk", exam.id)
        return self._place(exam, now, state, DecisionKind.ASSIGN, None, state.new_batch())

    def on_open(self, exam_id: str, reader_id: str, now: dt.datetime, state: RoutingState):
        state.open(exam_id, reader_id, now)

    def on_sign(
        self, exam_id: str, reader_id: str, now: dt.datetime, state: RoutingState
    ) -> list[Decision]:
        state.sign(exam_id, reader_id, now)
        return self._pull(reader_id, now, state)

    def set_availability(
        self,
        reader_id: str,
        availability: Availability | None,
        now: dt.datetime,
        state: RoutingState,
    ) -> list[Decision]:
        """A reader comes on duty/presence, changes kind, or leaves (queue re-routed)."""
        return self.set_availabilities([(reader_id, availability)], now, state)

    def set_availabilities(
        self,
        changes: list[tuple[str, Availability | None]],
        now: dt.datetime,
        state: RoutingState,
    ) -> list[Decision]:
        """Apply simultaneous rota changes at once, then re-route and pull.

        Applying all changes first matters at shift boundaries: a queue left at 08:00 must go
        to the readers who start at 08:00, not to those who also leave at 08:00.
        """
        befores = {}
        for reader_id, availability in changes:
            befores[reader_id] = state.available.get(reader_id)
            state.set_availability(reader_id, availability)
        out: list[Decision] = []
        for reader_id, availability in changes:
            before = befores[reader_id]
            if availability is None:
                if before is not None:
                    out += self._reroute_queue(reader_id, now, state, lambda e: True)
            elif (
                self.reroute_on_duty_switch
                and before is not None
                and before.kind != availability.kind
                and availability.kind == AvailabilityKind.DUTY
            ):
                out += self._reroute_queue(
                    reader_id, now, state, lambda e: not e.priority.is_emergency
                )
        for reader_id, availability in changes:
            if availability is not None:
                out += self._pull(reader_id, now, state)
        return out

    def pull(self, reader_id: str, now: dt.datetime, state: RoutingState) -> list[Decision]:
        """A reader freed capacity (signed outside this state): give them waiting work now."""
        if reader_id not in state.available:
            return []
        return self._pull(reader_id, now, state)

    def tick(self, now: dt.datetime, state: RoutingState) -> list[Decision]:
        return []

    def next_timer(self, state: RoutingState) -> dt.datetime | None:
        return state.timers[0][0] if state.timers else None

    def next_exam(self, reader_id: str, state: RoutingState) -> str | None:
        """The exam the reader should open next (None if nothing to open)."""
        raise NotImplementedError

    # -- shared mechanics ------------------------------------------------------------------
    def _eligible(self, reader_id: str, exam: Exam, state: RoutingState) -> tuple[bool, bool]:
        if reader_id not in state.available:
            return False, False
        reader = state.readers[reader_id]
        if exam.site not in reader.sites:
            return False, False
        ok, fallback = can_read(reader, exam, state.config)
        if ok and fallback and self._specialists(exam, state, None):
            return False, False
        return ok, fallback

    def _specialists(self, exam: Exam, state: RoutingState, exclude: str | None) -> list[str]:
        av = state.available
        return [
            r for r in state.index.get((exam.competence, exam.site), ()) if r in av and r != exclude
        ]

    def _candidates(
        self, exam: Exam, state: RoutingState, exclude: str | None
    ) -> tuple[list[str], bool]:
        cands = self._specialists(exam, state, exclude)
        if cands:
            return cands, False
        fb = state.config.fallback.get(exam.competence)
        if fb is None or exam.priority not in state.config.fallback_priorities:
            return [], False
        av = state.available
        if self._specialists(exam, state, None):
            return [], False  # the only specialist is the excluded one: no fallback
        return [r for r in state.index.get((fb, exam.site), ()) if r in av and r != exclude], True

    def _group_holder(self, exam: Exam, state: RoutingState, exclude: str | None) -> str | None:
        holders = state.patients.get(exam.patient_key)
        if not holders:
            return None
        for h in sorted(holders):
            if h != exclude and self._eligible(h, exam, state)[0]:
                return h
        return None

    def _choose(
        self, exam: Exam, now: dt.datetime, state: RoutingState, exclude: str | None
    ) -> _Choice:
        raise NotImplementedError

    def _place(
        self,
        exam: Exam,
        now: dt.datetime,
        state: RoutingState,
        kind: DecisionKind,
        previous: str | None,
        batch: int,
        exclude: str | None = None,
    ) -> Decision:
        choice = self._choose(exam, now, state, exclude)
        if choice.reader_id is not None:
            state.assign(exam, choice.reader_id, now)
            d = Decision(
                exam.id, kind, now, choice.reader_id, choice.reason, choice.rule, previous, batch
            )
            if self.uses_timers:
                delay = state.config.levels.open_delays[exam.priority]
                state.push_timer(now + delay, "open_delay", exam.id)
        else:
            state.hold(exam)
            # nobody competent now: emergencies go to the coordinator at once; scheduled work
            # waits and is escalated by the deadline-risk timer if still waiting then
            no_one = choice.rule == "no_competent_reader" and exam.priority.is_emergency
            dk = DecisionKind.ESCALATE if no_one else DecisionKind.HOLD
            if dk == DecisionKind.ESCALATE:
                state.escalated[exam.id] = choice.reason
            d = Decision(exam.id, dk, now, None, choice.reason, choice.rule, previous, batch)
        state.record(d)
        return d

    def _reroute_queue(self, reader_id, now, state: RoutingState, which) -> list[Decision]:
        moving = sorted((e for e in state.unopened_queue(reader_id) if which(e)), key=queue_key)
        for e in moving:
            state.unassign(e.id)
        out = []
        for e in moving:
            batch = state.new_batch()
            out.append(self._place(e, now, state, DecisionKind.REROUTE, reader_id, batch))
        return out

    def _pull(self, reader_id: str, now: dt.datetime, state: RoutingState) -> list[Decision]:
        """Offer waiting exams that this reader could read, best first, while it helps."""
        if reader_id not in state.available or not state.pending:
            return []
        reader = state.readers[reader_id]
        comps = set(reader.competences)
        for c in reader.competences:
            comps.update(state.fallback_sources.get(c, ()))
        keys = [
            (c, s, urgent)
            for c in sorted(comps)
            for s in sorted(reader.sites)
            for urgent in (True, False)
            if (c, s, urgent) in state.buckets
        ]
        out: list[Decision] = []
        blocked: set[tuple] = set()
        while True:
            best = None
            for k in keys:
                if k in blocked:
                    continue
                head = state.bucket_head(k)
                if head is None:
                    blocked.add(k)
                    continue
                hk = (queue_key(state.exams[head]), k)
                if best is None or hk < best[0]:
                    best = (hk, head, k)
            if best is None:
                return out
            _, exam_id, k = best
            exam = state.exams[exam_id]
            choice = self._choose(exam, now, state, None)
            if choice.reader_id is None:
                blocked.add(k)
                continue
            state.assign(exam, choice.reader_id, now)
            d = Decision(
                exam.id,
                DecisionKind.ASSIGN,
                now,
                choice.reader_id,
                choice.reason,
                choice.rule,
                None,
                state.new_batch(),
            )
            state.record(d)
            if self.uses_timers:
                delay = state.config.levels.open_delays[exam.priority]
                state.push_timer(now + delay, "open_delay", exam.id)
            out.append(d)
            if choice.reader_id == reader_id and not state.under_cap(reader_id, exam):
                return out


def _versatility(reader: Reader) -> int:
    """How many kinds of exams a reader may take: competences plus sites with privileges."""
    return len(reader.competences) + len(reader.sites)


def _no_reader_reason(exam: Exam) -> str:
    text = (
        f"Aucun radiologue compétent ({exam.competence}) de garde ou présent avec privilèges "
        f"sur le site {exam.site}"
    )
    if exam.priority.is_emergency:
        return text + f" : examen {exam.priority.label_fr} à traiter par le coordinateur"
    return text + " : en attente du prochain lecteur compétent"


def _reason(label: str, fallback: bool, exam: Exam, late: bool = False) -> str:
    who = {
        "duty": "radiologue de garde",
        "present": "radiologue présent",
        "own_member_duty": "radiologue de garde du membre",
        "own_member_present": "radiologue présent du membre",
        "pool_duty": "radiologue de garde du pool",
        "pool_present": "radiologue présent du pool",
    }[label]
    text = f"Confié au {who} le plus tôt disponible"
    if fallback:
        text += f" (aucun spécialiste {exam.competence} disponible : compétence générale)"
    if late:
        text += " ; échéance probablement dépassée"
    return text
