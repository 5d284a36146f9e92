"""Independent components of a rota problem (territories with disjoint sites), solved apart.

Problems whose lines share no practitioner are split by :func:`components` and solved in
parallel threads, then merged and checked; the merged rota's objective is evaluated on the whole
model and its bound is the fairness level's lower bound.
"""

from __future__ import annotations

import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from ortools.sat.python import cp_model

from .checker import check_rota
from .model import Assignment, MemberQuota, RotaProblem, Shift
from .points import POINT_SCALE, shift_tenths
from .rules import build, competent


def _size(problem: RotaProblem) -> int:
    """Assignment variables of the whole model, before leave is taken out."""
    first: dict[str, Shift] = {}
    count: dict[str, int] = defaultdict(int)
    for s in problem.shifts:
        first.setdefault(s.line_id, s)
        count[s.line_id] += 1
    return sum(count[lid] * len(list(competent(problem, s))) for lid, s in first.items())


def components(problem: RotaProblem) -> list[RotaProblem]:
    """Split into sub-problems that share no practitioner (e.g. territories with disjoint sites).

    Lines are joined when a practitioner is competent for both. Member quotas are split across
    components by each member's working time there (the sum of the windows is the declared
    window, so any merge of component rotas meets the declared quota). Returns [problem] when
    there is only one component.
    """

    first: dict[str, Shift] = {}
    for s in problem.shifts:
        first.setdefault(s.line_id, s)
    parent = {ln.id: ln.id for ln in problem.lines}

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    lines_of: dict[str, list[str]] = defaultdict(list)
    for lid, s in first.items():
        for p in competent(problem, s):
            lines_of[p.id].append(lid)
    for lids in lines_of.values():
        for lid in lids[1:]:
            parent[find(lid)] = find(lids[0])
    groups: dict[str, set[str]] = defaultdict(set)
    for lid in first:
        groups[find(lid)].add(lid)
    if len(groups) <= 1:
        return [problem]
    idle = [p for p in problem.practitioners if not lines_of.get(p.id)]
    if idle:
        return [problem]  # practitioners who staff nothing: keep the global fairness model
    tenths = shift_tenths(problem)
    total = sum(tenths[s.id] for s in problem.shifts)
    member_wt: dict[str, float] = defaultdict(float)
    for p in problem.practitioners:
        member_wt[p.member_id] += p.working_time
    out = []
    for lids in sorted(groups.values(), key=sorted):
        people = tuple(p for p in problem.practitioners if lines_of[p.id][0] in lids)
        pids = {p.id for p in people}
        shifts = tuple(s for s in problem.shifts if s.line_id in lids)
        sids = {s.id for s in shifts}
        sub_total = sum(tenths[s.id] for s in shifts) or 1
        wt_here: dict[str, float] = defaultdict(float)
        for p in people:
            wt_here[p.member_id] += p.working_time
        quotas = tuple(
            MemberQuota(
                q.member_id,
                q.share_percent * total * wt_here[q.member_id] / member_wt[q.member_id] / sub_total,
                q.tolerance_percent
                * total
                * wt_here[q.member_id]
                / member_wt[q.member_id]
                / sub_total,
            )
            for q in problem.quotas
            if wt_here.get(q.member_id)
        )
        out.append(
            replace(
                problem,
                practitioners=people,
                lines=tuple(ln for ln in problem.lines if ln.id in lids),
                shifts=shifts,
                unavailabilities=tuple(
                    u for u in problem.unavailabilities if u.practitioner_id in pids
                ),
                day_activities=tuple(
                    a for a in problem.day_activities if a.practitioner_id in pids
                ),
                preferences=tuple(pr for pr in problem.preferences if pr.practitioner_id in pids),
                locked=tuple(a for a in problem.locked if a.shift_id in sids),
                previous=tuple(a for a in problem.previous if a.shift_id in sids),
                quotas=quotas,
                carried_points={k: v for k, v in problem.carried_points.items() if k in pids},
            )
        )
    return out


def _solve_components(problem, parts, started, time_limit_s, workers, stop_event):
    """Solve independent components in parallel threads (CP-SAT releases the GIL; the
    workers are shared out, at least one each) and merge. Returns None when a component finds
    no rota or the merge fails the checker: the caller then solves the whole problem (and
    explains an infeasibility)."""

    from .solver import _result, _solve_one  # noqa: PLC0415 — the solver imports this module

    budget = max(1.0, 0.85 * time_limit_s)  # from ``started``; the rest is room to merge
    each = max(1, workers // len(parts))

    def run(pt):
        return _solve_one(pt, started, budget, each, None, stop_event, 0.0, explain=False)

    with ThreadPoolExecutor(max_workers=len(parts)) as pool:
        results = list(pool.map(run, parts))
    if not all(r.feasible for r in results):
        return None
    chosen = [(a.shift_id, a.practitioner_id) for r in results for a in r.assignments]
    firsts = [r.first_solution_seconds or r.wall_seconds for r in results]
    merged = [Assignment(s, p) for s, p in chosen]
    if check_rota(problem, merged):
        return None
    # Objective and bound of the whole problem's model: the objective is evaluated on the merged
    # rota; the bound is the fairness level's proven lower bound (lower levels count as 0).
    bm = build(problem, objective=True)
    w_fair, w_pref, w_change = bm.__dict__["weights"]
    tol = round(problem.settings.fairness_tolerance * POINT_SCALE)
    objective = _objective_of(problem, bm, chosen)
    bound = w_fair * max(0, bm.__dict__["spread_lb"] - tol)
    wall = time.monotonic() - started
    status = "OPTIMAL" if objective is not None and objective <= bound else "FEASIBLE"
    return _result(problem, status, chosen, objective, bound, wall, max(firsts))


def _objective_of(problem, bm, chosen) -> float | None:
    """Value of the built model's objective for a rota, by solving with every cell fixed."""
    model = bm.model.clone()
    chosen_set = set(chosen)
    for key, v in bm.x.items():
        model.add(model.get_bool_var_from_proto_index(v.index) == int(key in chosen_set))
    helper = cp_model.CpSolver()
    helper.parameters.max_time_in_seconds = 10.0
    helper.parameters.num_workers = 1
    if helper.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return helper.objective_value
    return None
