"""Routing policies: our ``Router`` and the ``RoundRobinPolicy`` baseline.

Both share the mechanics (patient grouping, caps, the shared waiting queue, re-routing when a
reader goes off duty) and differ in the choice of a reader and the reading order.

Rules of ``Router.route`` in order:
1. several unread exams of one patient go to the reader who already holds one, when that
   reader can read this exam now (competence, privilege on the site, on duty or present);
   for an emergency class the grouping yields when the holder is busy reading another exam
   and another reader would sign this one earlier (``grouping_yields``): reading is not
   preempted, so a second exam arriving minutes after the first otherwise waits a whole
   reading (40 % of the emergencies' waiting in a simulated week of the demo, before);
2. candidates: readers available now with the competence and a privilege on the exam's site,
   found through an index (competence, site) -> readers; for an emergency class with no
   specialist available, readers of the fallback competence (e.g. general for neuro);
   nobody -> the exam waits in the shared queue (never lost), with a French reason; an
   emergency is escalated at once, other classes by the deadline-risk timer;
3. emergencies may go to anyone available (on duty preferred on ties); other classes go to
   readers present, and to an idle reader on duty only for ``duty_backfill`` classes when
   nobody present can read it, and only while another duty reader stays idle for the next
   emergency or once the deadline is within ``duty_backfill_urgent`` (a waiting exam whose
   deadline is at risk is placed with anyone who may take it before being escalated);
4. the member's rule: its own radiologists first, then the pool;
5. the queue cap (work units assigned and not signed), ignored by critical/stroke exams;
   everyone at the cap -> HOLD in the shared queue, pulled when a reader frees capacity;
6. among the rest, emergencies: the earliest expected signature (queues read critical first,
   then emergencies by class, shortest first within a class, then by deadline:
   ``state.queue_key``), the member's own
   readers kept only if one of them meets the deadline; on ties the reader whose being busy
   costs the next emergencies least (``state.coverage_harm``: the emergencies seen on each
   competence and site they cover, over the cube of the readers free there), then the one
   with the fewest competences and site privileges, then a reader not reading now (an
   estimate can be overrun), on duty, on the site; other classes: the lightest queue, a
   reader counting up to ``routine_need_units`` more in proportion to how much the
   emergencies need them (``state.emergency_need``: a routine reading cannot be interrupted,
   so it goes first to those the emergencies need least); ties by the work already given to
   the reader (equity), then by id (deterministic).
A reader who frees up with no emergency of their own waiting (their queue empty or holding
routine work only) takes an unopened emergency from a busier queue when they would sign it no
later (``steal_gain``): late binding, so a wrong reading-time estimate costs little. A reading
that overran its estimate still counts as busy for ``overrun_floor`` of it (``state``).
Timers: re-route an exam not opened within ``open_delays[class]`` if another reader would sign
it at least ``min_gain`` sooner; at ``risk_fraction`` of the target, an unopened exam expected
late is moved to a reader who meets the deadline or escalated.
"""

from __future__ import annotations

import datetime as dt
import heapq

from pimm.engine.routing.baseline import RoundRobinPolicy
from pimm.engine.routing.model import (
    AvailabilityKind,
    Decision,
    DecisionKind,
    Exam,
    Reader,
)
from pimm.engine.routing.policy import BasePolicy, _Choice, _no_reader_reason, _reason, _versatility
from pimm.engine.routing.state import RoutingState, queue_key


class Router(BasePolicy):
    """Our policy (see the module docstring for the rules)."""

    name = "router"
    uses_timers = True
    reroute_on_duty_switch = True

    def next_exam(self, reader_id: str, state: RoutingState) -> str | None:
        best = None
        for e in state.queues[reader_id]:
            if e in state.opened:
                continue
            k = queue_key(state.exams[e])
            if best is None or k < best[0]:
                best = (k, e)
        return best[1] if best else None

    def _choose(self, exam, now, state, exclude) -> _Choice:
        h = self._group_holder(exam, state, exclude)
        if h is not None:
            if exam.priority.is_emergency and state.config.grouping_yields and state.is_reading(h):
                other = self._choose_free(exam, now, state, exclude)
                if other.reader_id is not None and state.estimate_finish(
                    other.reader_id, exam, now
                ) < state.estimate_finish(h, exam, now):
                    return _Choice(
                        other.reader_id,
                        "grouping_yield_" + other.rule,
                        "Même patient, mais le lecteur du premier examen est occupé : "
                        "lu en parallèle. " + other.reason,
                    )
            return _Choice(h, "patient_grouping", "Même patient : regroupé chez le même lecteur")
        return self._choose_free(exam, now, state, exclude)

    def _choose_free(self, exam, now, state, exclude) -> _Choice:
        cands, fallback = self._candidates(exam, state, exclude)
        if not cands:
            return _Choice(None, "no_competent_reader", _no_reader_reason(exam))
        duty = [r for r in cands if state.is_duty(r)]
        present = [r for r in cands if not state.is_duty(r)]
        if exam.priority.is_emergency:
            tiers = [t for t in (duty, present) if t]
        elif present:
            tiers = [present]
        elif exam.priority in state.config.duty_backfill:
            idle = [r for r in duty if not state.queues[r]]
            # keep a duty reader free for the next emergency unless the deadline nears
            urgent = exam.deadline - now <= state.config.duty_backfill_urgent
            tiers = [idle] if len(idle) >= 2 or urgent else []
        else:
            tiers = []
        own_first = exam.member in state.config.own_first_members
        groups: list[tuple[list[str], str]] = []
        for tier in tiers:
            kind = "duty" if tier and state.is_duty(tier[0]) else "present"
            if own_first:
                own = [r for r in tier if state.readers[r].member == exam.member]
                if own:
                    groups.append((own, f"own_member_{kind}"))
            groups.append((tier, f"pool_{kind}" if own_first else kind))
        suffix = "_fallback" if fallback else ""
        if exam.priority.is_emergency:
            # earliest expected signature over everyone available (duty or present), the
            # member's own radiologists first when one of them meets the deadline
            everyone = [r for tier in tiers for r in tier]
            emergency_groups: list[list[str]] = []
            if own_first:
                own = [r for r in everyone if state.readers[r].member == exam.member]
                if own:
                    emergency_groups.append(own)
            emergency_groups.append(everyone)
            best_any = None
            for gi, group in enumerate(emergency_groups):
                scored = []
                for r in group:
                    if not (exam.critical or state.under_cap(r, exam)):
                        continue
                    fin = state.estimate_finish(r, exam, now)
                    av = state.available[r]
                    key = (
                        fin,
                        state.is_reading(r),
                        av.kind != AvailabilityKind.DUTY,
                        av.site != exam.site,
                        state.assigned_units[r],
                        r,
                    )
                    scored.append((key, r))
                if not scored:
                    continue
                key, r = min(scored)
                # keep the readers the next emergencies need free: among readers nearly as
                # early, take the one whose being busy leaves the fewest emergencies seen with no
                # free reader, then the one with the fewest competences and site privileges (the
                # next emergency, of another competence or site, finds them idle), when that
                # still meets the deadline
                slack = key[0] + state.config.specialist_slack
                near = [
                    (state.coverage_harm(x), _versatility(state.readers[x]), k, x)
                    for k, x in scored
                    if k[0] <= slack and k[0] <= exam.deadline
                ]
                if near:
                    _h, _n, key, r = min(near)
                kind = "duty" if state.is_duty(r) else "present"
                label = (f"own_member_{kind}" if gi == 0 else f"pool_{kind}") if own_first else kind
                if key[0] <= exam.deadline:
                    return _Choice(r, label + suffix, _reason(label, fallback, exam))
                if best_any is None or key < best_any[0]:
                    best_any = (key, r, label)
            if best_any is not None:
                _, r, label = best_any
                return _Choice(r, label + suffix + "_late", _reason(label, fallback, exam, True))
        else:
            for group, label in groups:
                ok = [r for r in group if exam.critical or state.under_cap(r, exam)]
                need = dict.fromkeys(ok, 0.0)
                units = state.config.routine_need_units
                if units:
                    need = {r: state.emergency_need(r) for r in ok}
                    top = max(need.values(), default=0.0) or 1.0
                    need = {r: units * n / top for r, n in need.items()}
                scored = [((state.load[r] + need[r], state.assigned_units[r], r), r) for r in ok]
                if scored:
                    r = min(scored)[1]
                    return _Choice(r, label + suffix, _reason(label, fallback, exam))
        if not tiers:
            return _Choice(
                None, "wait_present", "En attente d'un radiologue présent (hors ligne de garde)"
            )
        return _Choice(None, "caps_reached", "Plafond de file atteint pour tous les lecteurs")

    def _pull(self, reader_id: str, now: dt.datetime, state: RoutingState) -> list[Decision]:
        out = super()._pull(reader_id, now, state)
        if reader_id in state.available and not any(
            e in state.opened or state.exams[e].priority.is_emergency
            for e in state.queues[reader_id]
        ):
            out += self._steal(reader_id, now, state)
        return out

    def _steal(self, reader_id: str, now: dt.datetime, state: RoutingState) -> list[Decision]:
        """An idle reader takes the most urgent unopened emergency waiting in another queue."""
        best = None
        gain = state.config.steal_gain
        for holder, queue in state.queues.items():
            if holder == reader_id or len(queue) < 2:
                continue  # a queue of one is being read (or about to be)
            for e in queue:
                if e in state.opened:
                    continue
                exam = state.exams[e]
                if not exam.priority.is_emergency:
                    continue
                if len(state.patients.get(exam.patient_key, ())) > 1:
                    continue  # the patient's exams are already split: do not split them more
                k = queue_key(exam)
                if best is not None and k >= best[0]:
                    continue
                if not self._eligible(reader_id, exam, state)[0]:
                    continue
                if state.estimate_finish(holder, exam, now) - gain < state.estimate_finish(
                    reader_id, exam, now
                ):
                    continue
                best = (k, exam)
        if best is None:
            return []
        exam = best[1]
        group = self._movable_group(exam, state)
        if group is None or not all(self._eligible(reader_id, g, state)[0] for g in group):
            return []
        first = min(group, key=queue_key)  # the later ones join the patient: no cap for them
        if not (first.critical or state.under_cap(reader_id, first)):
            return []  # the reader holds routine work up to their cap
        holder = state.holder[exam.id]
        batch = state.new_batch()
        out = []
        for g in sorted(group, key=queue_key):
            state.unassign(g.id)
            state.assign(g, reader_id, now)
            d = Decision(
                g.id,
                DecisionKind.REROUTE,
                now,
                reader_id,
                f"Lecteur libre : repris de la file de {holder}",
                "idle_rebalance",
                holder,
                batch,
            )
            state.record(d)
            out.append(d)
        return out

    def tick(self, now: dt.datetime, state: RoutingState) -> list[Decision]:
        out: list[Decision] = []
        while state.timers and state.timers[0][0] <= now:
            _at, _seq, kind, exam_id, version = heapq.heappop(state.timers)
            exam = state.exams.get(exam_id)
            if exam is None or exam_id in state.opened:
                continue
            if kind == "open_delay":
                if state.version.get(exam_id) != version or exam_id not in state.holder:
                    continue
                out += self._reroute_if_better(exam, now, state, require_deadline=False)
            elif kind == "risk":
                out += self._deadline_risk(exam, now, state)
        return out

    def _movable_group(self, exam: Exam, state: RoutingState) -> list[Exam] | None:
        """The unopened exams of this patient held by the same reader; None if one is open."""
        holder = state.holder[exam.id]
        group = []
        for e in state.queues[holder]:
            other = state.exams[e]
            if other.patient_key == exam.patient_key:
                if e in state.opened:
                    return None
                group.append(other)
        return group

    def _reroute_if_better(self, exam, now, state, require_deadline) -> list[Decision]:
        holder = state.holder[exam.id]
        group = self._movable_group(exam, state)
        if group is None:
            return []
        current = state.estimate_finish(holder, exam, now)
        choice = self._choose(exam, now, state, holder)
        r = choice.reader_id
        if r is None or not all(self._eligible(r, g, state)[0] for g in group):
            return []
        new = state.estimate_finish(r, exam, now)
        if require_deadline:
            if new > exam.deadline or new >= current:
                return []
        elif new + state.config.min_gain > current:
            return []
        batch = state.new_batch()
        out = []
        for g in sorted(group, key=queue_key):
            state.unassign(g.id)
            state.assign(g, r, now)
            why = (
                "Échéance menacée : confié à un lecteur qui tient le délai"
                if require_deadline
                else f"Non ouvert par {holder} dans le délai : confié à un lecteur plus disponible"
            )
            rule = "deadline_risk_reroute" if require_deadline else "open_delay_reroute"
            d = Decision(g.id, DecisionKind.REROUTE, now, r, why, rule, holder, batch)
            state.record(d)
            state.push_timer(now + state.config.levels.open_delays[g.priority], "open_delay", g.id)
            out.append(d)
        return out

    def _deadline_risk(self, exam: Exam, now: dt.datetime, state: RoutingState) -> list[Decision]:
        if exam.id in state.holder:
            holder = state.holder[exam.id]
            if state.estimate_finish(holder, exam, now) <= exam.deadline:
                return []
            moved = self._reroute_if_better(exam, now, state, require_deadline=True)
            if moved:
                return moved
            reason = (
                f"Échéance menacée ({exam.priority.label_fr}, avant {exam.deadline:%H:%M}) : "
                f"aucun lecteur ne peut tenir le délai"
            )
            reader_id = holder
        else:
            # waiting in the shared queue: place it now if anyone may take it (e.g. a duty
            # reader who keeps non-urgent work for when the deadline nears)
            placed = self._place(exam, now, state, DecisionKind.ASSIGN, None, state.new_batch())
            if placed.reader_id is not None:
                return [placed]
            reason = (
                f"Échéance menacée ({exam.priority.label_fr}, avant {exam.deadline:%H:%M}) : "
                f"examen en attente, aucun lecteur disponible"
            )
            reader_id = None
        state.escalated[exam.id] = reason
        d = Decision(
            exam.id,
            DecisionKind.ESCALATE,
            now,
            reader_id,
            reason,
            "deadline_risk",
            None,
            state.new_batch(),
        )
        state.record(d)
        return [d]


__all__ = ["BasePolicy", "Reader", "RoundRobinPolicy", "Router"]
