"""The baseline policy the router is measured against: round robin among the readers who may
take the exam, with the shared mechanics of ``policy.BasePolicy``."""

from __future__ import annotations

from pimm.engine.routing.policy import BasePolicy, _Choice, _no_reader_reason
from pimm.engine.routing.state import RoutingState


class RoundRobinPolicy(BasePolicy):
    """Baseline: the next eligible reader in turn, first-in first-out queues, no timers.

    It keeps the hard rules (competence, privilege, availability, caps, patient grouping) so the
    checker accepts its runs; it ignores duty/present roles, deadlines and queue lengths.
    """

    name = "round_robin"

    def next_exam(self, reader_id: str, state: RoutingState) -> str | None:
        for e in state.queues[reader_id]:
            if e not in state.opened:
                return e
        return None

    def _choose(self, exam, now, state, exclude) -> _Choice:
        h = self._group_holder(exam, state, exclude)
        if h is not None:
            return _Choice(h, "patient_grouping", "Même patient : regroupé chez le même lecteur")
        cands, fallback = self._candidates(exam, state, exclude)
        if not cands:
            return _Choice(None, "no_competent_reader", _no_reader_reason(exam))
        ok = [r for r in cands if exam.critical or state.under_cap(r, exam)]
        if not ok:
            return _Choice(None, "caps_reached", "Plafond de file atteint pour tous les lecteurs")
        r = ok[state.rr_counter % len(ok)]
        state.rr_counter += 1
        return _Choice(r, "round_robin" + ("_fallback" if fallback else ""), "Tour de rôle")
