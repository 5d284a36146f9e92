"""A plain CP-SAT model of the Curtois benchmark: the peer the rota engine is measured against.

One boolean per employee, day and shift; the benchmark's constraints stated directly (the same
reading as :mod:`pimm.engine.rota.curtois`: weekends worked if Saturday or Sunday is, minimum
stretches only strictly inside the horizon); no hint, no redundant constraint, CP-SAT's default
parameters except the time limit and the number of workers. ``bench/rota_curtois.py --peer`` runs
it on the same instances with the same seconds and workers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model


@dataclass
class PeerResult:
    feasible: bool
    objective: int | None
    bound: float | None
    seconds: float
    first_solution_seconds: float | None
    roster: dict[tuple[str, int], str] = field(default_factory=dict)


class _First(cp_model.CpSolverSolutionCallback):
    def __init__(self, started: float):
        super().__init__()
        self.started = started
        self.first: float | None = None

    def on_solution_callback(self) -> None:
        if self.first is None:
            self.first = time.monotonic() - self.started


def solve_peer(inst, seconds: float, workers: int) -> PeerResult:
    started = time.monotonic()
    m = cp_model.CpModel()
    H = inst.horizon
    x = {}
    for st in inst.staff:
        for d in range(H):
            for s in inst.shifts:
                x[st.id, d, s.id] = m.new_bool_var(f"x_{st.id}_{d}_{s.id}")
    mins = {s.id: s.minutes for s in inst.shifts}
    for st in inst.staff:
        e = st.id

        def work(d, e=e):
            return sum(x[e, d, s.id] for s in inst.shifts)

        for d in range(H):
            m.add(work(d) <= 1)
        for d in inst.days_off.get(e, ()):
            m.add(work(d) == 0)
        for d in range(H - 1):
            for s in inst.shifts:
                for t in s.forbidden_next:
                    m.add(x[e, d, s.id] + x[e, d + 1, t] <= 1)
        for s in inst.shifts:
            m.add(sum(x[e, d, s.id] for d in range(H)) <= st.max_shifts.get(s.id, 0))
        total = sum(mins[s.id] * x[e, d, s.id] for d in range(H) for s in inst.shifts)
        m.add(total <= st.max_minutes)
        m.add(total >= st.min_minutes)
        k = st.max_consecutive
        for d in range(H - k):
            m.add(sum(work(i) for i in range(d, d + k + 1)) <= k)
        for length in range(1, st.min_consecutive):
            for d in range(1, H - length):
                # no stretch of exactly `length` worked days strictly inside the horizon
                m.add(
                    work(d - 1) - sum(work(i) for i in range(d, d + length)) + work(d + length)
                    >= 1 - length
                )
        for length in range(1, st.min_days_off):
            for d in range(1, H - length):
                # no stretch of exactly `length` days off strictly inside the horizon
                m.add(
                    -work(d - 1) + sum(work(i) for i in range(d, d + length)) - work(d + length)
                    >= -1
                )
        weekends = []
        for w in range(H // 7):
            b = m.new_bool_var(f"wk_{e}_{w}")
            m.add(b >= work(7 * w + 5))
            m.add(b >= work(7 * w + 6))
            weekends.append(b)
        m.add(sum(weekends) <= st.max_weekends)
    terms = []
    for r in inst.on_requests:
        terms.append(r.weight * (1 - x[r.employee, r.day, r.shift]))
    for r in inst.off_requests:
        terms.append(r.weight * x[r.employee, r.day, r.shift])
    for c in inst.cover:
        n = len(inst.staff)
        under = m.new_int_var(0, c.requirement, f"under_{c.day}_{c.shift}")
        over = m.new_int_var(0, n, f"over_{c.day}_{c.shift}")
        m.add(sum(x[st.id, c.day, c.shift] for st in inst.staff) + under - over == c.requirement)
        terms.append(c.weight_under * under + c.weight_over * over)
    m.minimize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, seconds - (time.monotonic() - started))
    solver.parameters.num_workers = workers
    cb = _First(started)
    status = solver.solve(m, cb)
    wall = time.monotonic() - started
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return PeerResult(False, None, None, wall, cb.first)
    roster = {(e, d): s for (e, d, s), v in x.items() if solver.boolean_value(v)}
    return PeerResult(
        True, round(solver.objective_value), solver.best_objective_bound, wall, cb.first, roster
    )
