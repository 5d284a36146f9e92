"""Solving the PDSES on-call rota, built from :mod:`pimm.engine.rota.model` dataclasses.

The model is built by :mod:`.rules` (one builder per rule group); independent components are
split off by :mod:`.decompose`.

Objective, lexicographic through dominant weights (each level's weight exceeds the largest
possible value of all lower levels together):

1. fairness: the spread (max − min) of normalised loads — (points + carried points) per full-time
   equivalent, in tenths of a point — above ``RotaSettings.fairness_tolerance``;
2. preferences: the weights of the wishes not honoured;
3. minimal change (re-solve only): the number of cells whose practitioner differs from
   ``RotaProblem.previous``.

The spread's LP relaxation is 0, so CP-SAT alone proves no bound. :mod:`.targets` derives
proven levels from the competence pools with whole-duty rounding (max normalised load >= L,
min <= U, so spread >= L − U), added as redundant constraints, with the implied per-load
windows ``L − spread <= norm <= U + spread`` that tie every load to the spread in the LP.

Solving (:func:`_solve_one`) is staged on one model: a greedy rota aiming at water-filling
shares of each line, polished by local search on the spread and verified on the whole model,
is the first rota and the hint; stage 1 minimises the excess (re-solves: changes as a
tie-break) and stops as soon as it meets the proven bound; stage 2 holds the excess and
minimises preferences then changes. The reported objective is always the combined objective
above evaluated on the returned rota, and the bound a proven bound of it (see
:func:`_solve_one`), so ``RotaResult.gap`` is honest.

Problems whose lines share no practitioner are split by :func:`.decompose.components`.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable

from ortools.sat.python import cp_model

from .checker import check_rota
from .decompose import _size, _solve_components, components
from .explain import explain_infeasibility, precheck
from .greedy import greedy_rota, polish
from .model import Assignment, RotaProblem, RotaResult
from .points import POINT_SCALE, compute_loads
from .rules import BuiltModel, RuleGroup, build, competent, gives_rest
from .targets import line_shares, spread_bound

__all__ = ["BuiltModel", "RuleGroup", "build", "competent", "components", "gives_rest", "solve"]

LARGE_MODEL = 20_000  # assignment variables above which presolve is skipped
# Assignment variables above which independent components are solved apart. Measured on the demo
# at --scale 4 (4 territories, ~240k variables): the whole model gives a better rota in 60 s
# (each component only evens its own loads, not the spread across territories), so splitting is
# kept for models too large to solve whole.
DECOMPOSE_ABOVE = 400_000
POLISH_SECONDS = 10.0  # local search on the greedy hint, at most (and 15 % of the time limit)


def spread_lower_bound(problem: RotaProblem) -> int:
    """A valid lower bound on the solver's spread (tenths of a point per FTE, floored loads),
    from the competence pools with whole-duty rounding: see :mod:`pimm.engine.rota.targets`."""
    return spread_bound(problem)


class _Callback(cp_model.CpSolverSolutionCallback):
    """Reports progress and keeps the best rota found so far; stops when asked.

    ``combined`` gives the full lexicographic objective of the current solution and ``bound``
    the proven bound of that objective from the stage's own bound, so that progress is
    reported on one scale whatever the stage."""

    def __init__(self, x, on_progress, stop_event, started, combined, bound):
        super().__init__()
        self._x = x
        self._on_progress = on_progress
        self._stop = stop_event
        self._started = started
        self._combined = combined
        self._bound = bound
        self.first: float | None = None
        self.best: list[tuple[str, str]] = []
        self.best_objective: float | None = None
        self.best_bound: float | None = None
        self.values: list[int] = []

    def on_solution_callback(self) -> None:
        now = time.monotonic() - self._started
        if self.first is None:
            self.first = now
        self.best = [k for k, v in self._x.items() if self.boolean_value(v)]
        self.best_objective = self._combined(self)
        self.best_bound = self._bound(self.best_objective_bound)
        if self._on_progress is not None:
            self._on_progress(self.best_objective, self.best_bound, now)
        if _stopped(self._stop):
            self.stop_search()


def _stopped(stop) -> bool:
    if stop is None:
        return False
    if isinstance(stop, threading.Event):
        return stop.is_set()
    return bool(stop())


def _hint(
    bm: BuiltModel, problem: RotaProblem, seconds: float = 5.0, polish_seconds: float = 0.0
) -> int:
    """Hint a greedy rota aiming at the water-filling shares of every line (the previous holder
    first in a re-solve), polished by local search on the spread (in a re-solve too: fairness
    ranks above changes, and stage 1 undoes needless changes as its tie-break). When the greedy rota staffs everything, complete
    it into a full hint of every model variable by solving the model with the cells fixed:
    CP-SAT starts from a complete feasible hint far more reliably, and the rota is then known
    to meet every rule (its objective is kept in ``bm.__dict__["hint_objective"]``).
    Returns the number of shifts the greedy staffs."""

    eligible: dict[str, list[str]] = defaultdict(list)
    for sid, pid in bm.x:
        eligible[sid].append(pid)
    try:
        shares = line_shares(problem)
    except Exception:  # a heuristic only: fall back to plain load balancing
        shares = {}
    rota = greedy_rota(problem, eligible, shares)
    if len(rota) < len(eligible) and shares:
        plain = greedy_rota(problem, eligible)
        if len(plain) > len(rota):
            rota = plain
    if polish_seconds > 0 and len(rota) == len(eligible):
        rota = polish(problem, eligible, rota, polish_seconds, bm.__dict__.get("spread_lb", 0))
    bm.__dict__["greedy"] = rota
    fixed = bm.model.clone()
    variables = fixed.proto.variables
    for (sid, pid), v in bm.x.items():  # cells fixed through their domains (fast on 50k cells)
        value = int(rota.get(sid) == pid)
        domain = variables[v.index].domain
        domain[0] = domain[1] = value
    helper = cp_model.CpSolver()
    helper.parameters.max_time_in_seconds = seconds
    helper.parameters.num_workers = 1
    if len(rota) == len(eligible) and helper.solve(fixed) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        _hint_values(bm.model, helper.response_proto.solution)
        bm.__dict__["hint_objective"] = helper.objective_value
        return len(rota)
    for (sid, pid), v in bm.x.items():
        bm.model.add_hint(v, rota.get(sid) == pid)
    return len(rota)


def _hint_values(model: cp_model.CpModel, values) -> None:
    """Hint every variable at once through the proto (``add_hint`` one by one is slow)."""
    model.clear_hints()
    hint = model.proto.solution_hint
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)


def solve(
    problem: RotaProblem,
    time_limit_s: float = 60.0,
    workers: int = 2,
    on_progress: Callable[[float, float, float], None] | None = None,
    stop_event: threading.Event | Callable[[], bool] | None = None,
    explain_seconds: float = 20.0,
) -> RotaResult:
    """Build and solve the rota; on infeasibility, return a French explanation instead."""

    started = time.monotonic()
    trivial = precheck(problem)
    if trivial:
        return RotaResult(
            "INFEASIBLE",
            (),
            None,
            None,
            time.monotonic() - started,
            None,
            explanation=tuple(trivial),
        )
    parts = components(problem) if _size(problem) > DECOMPOSE_ABOVE else [problem]
    if len(parts) > 1:
        res = _solve_components(problem, parts, started, time_limit_s, workers, stop_event)
        if res is not None:
            return res
        time_limit_s = max(1.0, time_limit_s - (time.monotonic() - started))
    return _solve_one(
        problem, started, time_limit_s, workers, on_progress, stop_event, explain_seconds
    )


def _solve_one(
    problem, started, time_limit_s, workers, on_progress, stop_event, explain_seconds, explain=True
) -> RotaResult:
    """Solve in lexicographic stages on one model: (1) the fairness excess alone, (2) with the
    excess held at its best value, preferences then changes (weighted as in ``build``).

    Reported objective: the combined objective of ``build`` evaluated on the returned rota.
    Reported bound, valid for that objective over all rotas: when stage 1 proved its excess e*
    optimal, ``w_fair * e* + stage-2 bound`` (a rota with a larger excess costs at least
    ``w_fair * (e* + 1)``, more than any rota with excess e* since ``w_fair`` exceeds every
    lower level together; one with excess e* costs at least that by stage 2's proof);
    otherwise ``w_fair * stage-1 bound`` (lower levels count as 0).
    """

    def remaining() -> float:
        return time_limit_s - (time.monotonic() - started)

    bm = build(problem)
    _hint(
        bm,
        problem,
        seconds=max(2.0, 0.2 * time_limit_s),
        polish_seconds=min(POLISH_SECONDS, 0.15 * time_limit_s),
    )
    w_fair, w_pref, w_change = bm.__dict__["weights"]
    tol = round(problem.settings.fairness_tolerance * POINT_SCALE)
    lb_excess = max(0, bm.__dict__["spread_lb"] - tol)
    lower = w_pref * bm.pref_penalty + w_change * bm.changes
    model = bm.model
    first = None
    if "hint_objective" in bm.__dict__:  # the greedy rota, verified on the whole model
        first = time.monotonic() - started
        if on_progress is not None:
            on_progress(bm.__dict__["hint_objective"], w_fair * lb_excess, first)

    def params(solver: cp_model.CpSolver, seconds: float) -> None:
        solver.parameters.max_time_in_seconds = max(0.5, seconds)
        solver.parameters.num_workers = max(1, workers)
        if len(bm.x) > LARGE_MODEL:
            # Presolve costs ~15 s on a year of the demo PIMM and gains little; searching from
            # the complete greedy hint at once gives a feasible rota in about a second.
            solver.parameters.cp_model_presolve = False

    def excess_of(sol) -> int:
        """The rota's own excess: the model's ``excess`` variable is only bounded below."""
        return max(0, round(sol.value(bm.spread)) - tol)

    def combined(cb) -> float:
        return w_fair * excess_of(cb) + cb.value(lower)

    # Stage 1: fairness, changes as a tie-break only (k * excess + changes with k > the number
    # of cells, so the excess is minimised first). It stops once it meets the proven bound.
    k = w_pref
    model.minimize(k * bm.excess + bm.changes)
    s1 = cp_model.CpSolver()
    has_lower = not (isinstance(lower, int) and lower == 0)
    params(s1, 0.6 * remaining() if has_lower else remaining())
    cb1 = _Callback(
        bm.x, on_progress, stop_event, started, combined, lambda b: w_fair * max(b // k, lb_excess)
    )
    status = s1.solve(model, cb1)
    name = s1.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _no_solution(
            problem, bm, status, name, started, cb1, explain, explain_seconds, w_fair * lb_excess
        )
    e1 = excess_of(s1)
    # CP-SAT's bound (k * excess + changes >= b with changes < k gives excess >= b // k), or
    # the pool bound it includes as a constraint (without presolve CP-SAT may not have
    # propagated it to the objective yet)
    e1_bound = max(int(s1.best_objective_bound // k), lb_excess)
    if e1 <= e1_bound:
        status = cp_model.OPTIMAL  # the excess is optimal (the tie-break may not be)
    chosen = [k for k, v in bm.x.items() if s1.boolean_value(v)]
    objective = w_fair * e1 + s1.value(lower)
    bound = w_fair * e1_bound
    proven = status == cp_model.OPTIMAL
    if has_lower and remaining() > 0.5 and not _stopped(stop_event):
        # Stage 2: hold the excess, minimise preferences then changes from the stage-1 rota.
        _hint_values(model, s1.response_proto.solution)
        model.add(bm.excess <= e1)
        model.minimize(lower)

        def bound2(b: float) -> float:
            return w_fair * e1 + b if proven else w_fair * e1_bound

        def combined2(cb) -> float:
            return w_fair * excess_of(cb) + cb.objective_value

        s2 = cp_model.CpSolver()
        params(s2, remaining())
        cb2 = _Callback(bm.x, on_progress, stop_event, started, combined2, bound2)
        st2 = s2.solve(model, cb2)
        if st2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            new = w_fair * excess_of(s2) + s2.objective_value
            if new <= objective:
                chosen = [k for k, v in bm.x.items() if s2.boolean_value(v)]
                objective = new
            bound = max(bound, bound2(s2.best_objective_bound))
            proven = proven and st2 == cp_model.OPTIMAL
        elif cb2.best and cb2.best_objective is not None and cb2.best_objective <= objective:
            chosen, objective = cb2.best, cb2.best_objective
            proven = False
        else:
            proven = False
    wall = time.monotonic() - started
    status_name = "OPTIMAL" if proven and objective <= bound else "FEASIBLE"
    return _result(
        problem, status_name, chosen, objective, bound, wall, cb1.first if first is None else first
    )


def _no_solution(
    problem, bm, status, name, started, cb, explain, explain_seconds, bound=None
) -> RotaResult:
    """Stage 1 found no rota: the best one seen if stopped, else the checked greedy rota (with
    its objective, evaluated on the whole model when it was completed into the hint, and the
    pool's bound), else an explanation of the infeasibility."""

    wall = time.monotonic() - started
    if cb.best:  # stopped between solutions: keep the best rota so far
        return _result(
            problem, "FEASIBLE", cb.best, cb.best_objective, cb.best_bound, wall, cb.first
        )
    greedy = bm.__dict__.get("greedy", {})
    if status != cp_model.INFEASIBLE and len(greedy) == len(problem.shifts):
        # CP-SAT found nothing in time: the greedy rota is kept if the checker accepts it.

        rota = [Assignment(s, p) for s, p in greedy.items()]
        if not check_rota(problem, rota):
            objective = bm.__dict__.get("hint_objective")
            return _result(
                problem,
                "FEASIBLE",
                list(greedy.items()),
                objective,
                bound if objective is not None else None,
                wall,
                wall,
            )
    explanation: tuple[str, ...] = ()
    if status == cp_model.INFEASIBLE and explain:
        explanation = tuple(explain_infeasibility(problem, explain_seconds))
    return RotaResult(name, (), None, None, wall, None, explanation=explanation)


def _result(problem, status, chosen, objective, bound, wall, first) -> RotaResult:
    assignments = tuple(sorted((Assignment(s, p) for s, p in chosen), key=lambda a: a.shift_id))
    loads, spread, g = compute_loads(problem, assignments)
    chosen_set = set(chosen)
    changed = None
    if problem.previous:
        ids = {s.id for s in problem.shifts}
        changed = sum(
            1
            for a in problem.previous
            if a.shift_id in ids and (a.shift_id, a.practitioner_id) not in chosen_set
        )
    date_of = {s.id: s.date for s in problem.shifts}
    penalty = 0
    for pr in problem.preferences:
        mine = [
            a
            for a in assignments
            if a.practitioner_id == pr.practitioner_id
            and (
                (pr.shift_id is not None and a.shift_id == pr.shift_id)
                or (pr.shift_id is None and pr.date is not None and date_of[a.shift_id] == pr.date)
            )
        ]
        if pr.weight > 0 and not mine:
            penalty += pr.weight
        elif pr.weight < 0:
            penalty += -pr.weight * len(mine)
    return RotaResult(
        status=status,
        assignments=assignments,
        objective=objective,
        bound=bound,
        wall_seconds=wall,
        first_solution_seconds=first,
        loads=loads,
        spread=spread,
        gini=g,
        preference_penalty=penalty,
        changed_cells=changed,
    )
