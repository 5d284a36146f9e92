"""CP-SAT model of the PDSES on-call rota, built from :mod:`pimm.engine.rota.model` dataclasses.

Each rule is a small builder that adds its constraints; when ``assume`` is on (infeasibility
explanation) every rule group gets its own enforcement literal, recorded with a
:class:`RuleGroup` so that a conflicting set of groups can be phrased in French by ``explain``.

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

Problems whose lines share no practitioner (territories with disjoint sites) are split by
:func:`components` and solved in parallel threads, then merged and checked; the merged rota's
objective is evaluated on the whole model and its bound is the fairness level's lower bound.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from ortools.sat.python import cp_model

from .model import (
    ASTREINTE,
    Assignment,
    RotaProblem,
    RotaResult,
    Shift,
)
from .points import POINT_SCALE, compute_loads, shift_tenths
from .targets import level_bounds, line_shares, quota_window, spread_bound

LARGE_MODEL = 20_000  # assignment variables above which presolve is skipped
# Assignment variables above which independent components are solved apart. Measured on the demo
# at --scale 4 (4 territories, ~240k variables): the whole model gives a better rota in 60 s
# (each component only evens its own loads, not the spread across territories), so splitting is
# kept for models too large to solve whole.
DECOMPOSE_ABOVE = 400_000
POLISH_SECONDS = 10.0  # local search on the greedy hint, at most (and 15 % of the time limit)


@dataclass(frozen=True)
class RuleGroup:
    kind: str  # coverage, leave, activity, rest, overlap, consecutive, nights, quota, locked
    shift_id: str | None = None
    practitioner_id: str | None = None
    member_id: str | None = None
    month: tuple[int, int] | None = None


@dataclass
class BuiltModel:
    model: cp_model.CpModel
    x: dict[tuple[str, str], cp_model.IntVar]  # (shift id, practitioner id) -> bool
    groups: dict[int, RuleGroup] = field(default_factory=dict)  # literal index -> group
    literals: list[cp_model.IntVar] = field(default_factory=list)
    spread: cp_model.IntVar | None = None
    excess: cp_model.IntVar | None = None
    pref_penalty: cp_model.LinearExpr | int = 0
    changes: cp_model.LinearExpr | int = 0


def competent(problem: RotaProblem, shift: Shift):
    line = next(ln for ln in problem.lines if ln.id == shift.line_id)
    for p in problem.practitioners:
        if line.competence is not None and line.competence not in p.competences:
            continue
        if p.sites is not None and line.site_ids and not set(line.site_ids) & set(p.sites):
            continue
        yield p


def gives_rest(problem: RotaProblem, shift: Shift, kind_by_line: dict[str, str]) -> bool:
    if not shift.is_night:
        return False
    return kind_by_line[shift.line_id] != ASTREINTE or problem.settings.rest_after_astreinte


def build(problem: RotaProblem, assume: bool = False, objective: bool = True) -> BuiltModel:
    m = cp_model.CpModel()
    st = problem.settings
    bm = BuiltModel(m, {})

    def lit(group: RuleGroup):
        """Enforcement literal of a rule group (None when rules are plain hard constraints)."""
        if not assume:
            return None
        key = ("lit", group)
        cache = bm.__dict__.setdefault("_cache", {})
        if key not in cache:
            b = m.new_bool_var(f"{group.kind}:{group.shift_id}:{group.practitioner_id}")
            cache[key] = b
            bm.groups[b.index] = group
            bm.literals.append(b)
        return cache[key]

    def add(ct, group: RuleGroup):
        b = lit(group)
        if b is not None:
            ct.only_enforce_if(b)
        return ct

    kind_by_line = {ln.id: ln.kind for ln in problem.lines}
    line_ids = set(kind_by_line)
    shifts = [s for s in problem.shifts if s.line_id in line_ids]
    rest = timedelta(hours=st.rest_hours)

    # Leave and day activities: in normal mode, variables are simply not created.
    leave_days: dict[str, list[tuple]] = defaultdict(list)
    for u in problem.unavailabilities:
        leave_days[u.practitioner_id].append((u.start, u.end))
    activities = defaultdict(list)
    for a in problem.day_activities:
        activities[a.practitioner_id].append(a)

    def on_leave(pid: str, s: Shift) -> bool:
        return any(a <= s.date <= b for a, b in leave_days.get(pid, ()))

    def activity_clash(pid: str, s: Shift) -> bool:
        for a in activities.get(pid, ()):
            if s.start < a.end and a.start < s.end:
                return True
            if gives_rest(problem, s, kind_by_line) and s.end <= a.start < s.end + rest:
                return True
        return False

    x = bm.x
    for s in shifts:
        for p in competent(problem, s):
            blocked_leave = on_leave(p.id, s)
            blocked_act = activity_clash(p.id, s)
            if not assume and (blocked_leave or blocked_act):
                continue
            v = m.new_bool_var(f"x[{s.id},{p.id}]")
            x[s.id, p.id] = v
            if blocked_leave:
                add(m.add(v == 0), RuleGroup("leave", practitioner_id=p.id))
            if blocked_act:
                add(m.add(v == 0), RuleGroup("activity", practitioner_id=p.id))

    by_shift: dict[str, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
    by_pract: dict[str, list[tuple[Shift, cp_model.IntVar]]] = defaultdict(list)
    shift_by_id = {s.id: s for s in shifts}
    for (sid, pid), v in x.items():
        by_shift[sid].append((pid, v))
        by_pract[pid].append((shift_by_id[sid], v))

    # Coverage: exactly one competent practitioner per shift.
    for s in shifts:
        vs = [v for _, v in by_shift.get(s.id, [])]
        add(m.add(sum(vs) == 1) if vs else m.add_bool_or([]), RuleGroup("coverage", shift_id=s.id))

    # Locked cells.
    for a in problem.locked:
        v = x.get((a.shift_id, a.practitioner_id))
        g = RuleGroup("locked", shift_id=a.shift_id, practitioner_id=a.practitioner_id)
        add(m.add(v == 1) if v is not None else m.add_bool_or([]), g)

    for pid, items in by_pract.items():
        items.sort(key=lambda t: t[0].start)
        # No two overlapping shifts: at most one shift active at each shift start instant.
        # Sweep over start instants; items are sorted by start.
        live: list[tuple[Shift, cp_model.IntVar]] = []
        i = 0
        while i < len(items):
            t = items[i][0].start
            live = [(s, v) for s, v in live if s.end > t]
            while i < len(items) and items[i][0].start == t:
                live.append(items[i])
                i += 1
            if len(live) > 1:
                cl = [v for _, v in live]
                add(m.add_at_most_one(cl), RuleGroup("overlap", practitioner_id=pid))
        # Rest after a night: nothing may start within rest_hours after it ends.
        for i, (s, v) in enumerate(items):
            if not gives_rest(problem, s, kind_by_line):
                continue
            for t, w in items[i + 1 :]:
                if t.start >= s.end + rest:
                    break
                if t.start >= s.end:
                    add(m.add_bool_or([v.Not(), w.Not()]), RuleGroup("rest", practitioner_id=pid))
        # Max consecutive duty days.
        per_day: dict = defaultdict(list)
        for s, v in items:
            per_day[s.date].append(v)
        days = sorted(per_day)
        if days:
            dvar = {}
            for d in days:
                vs = per_day[d]
                if len(vs) == 1:
                    dvar[d] = vs[0]
                else:
                    b = m.new_bool_var(f"duty[{pid},{d}]")
                    m.add_max_equality(b, vs)
                    dvar[d] = b
            k = st.max_consecutive_duties
            g = RuleGroup("consecutive", practitioner_id=pid)
            for d in days:
                window = [dvar.get(d + timedelta(days=i)) for i in range(k + 1)]
                window = [w for w in window if w is not None]
                if len(window) == k + 1:
                    add(m.add(sum(window) <= k), g)
        # Max nights per calendar month.
        months = defaultdict(list)
        for s, v in items:
            if s.is_night:
                months[s.date.year, s.date.month].append(v)
        for ym, vs in months.items():
            if len(vs) > st.max_nights_per_month:
                g = RuleGroup("nights", practitioner_id=pid, month=ym)
                add(m.add(sum(vs) <= st.max_nights_per_month), g)

    # Points (tenths) per practitioner.
    tenths = shift_tenths(problem)
    total_points = sum(tenths[s.id] for s in shifts)
    load = {}
    for p in problem.practitioners:
        load[p.id] = sum(tenths[s.id] * v for s, v in by_pract.get(p.id, []))

    # Member quotas (share of the period's points).
    for q in problem.quotas:
        members = [p.id for p in problem.practitioners if p.member_id == q.member_id]
        expr = sum(load[pid] for pid in members) if members else 0
        lo, hi = quota_window(q.share_percent, q.tolerance_percent, total_points)
        g = RuleGroup("quota", member_id=q.member_id)
        # member points (tenths) within the window, rounded inwards (see quota_window)
        if lo > 0:
            add(m.add(expr >= lo), g)
        if hi < total_points:
            add(m.add(expr <= hi), g)

    if not objective:
        return bm

    # Fairness: normalised load in tenths of a point per full-time equivalent.
    carried = {
        p.id: round(problem.carried_points.get(p.id, 0.0) * POINT_SCALE)
        for p in problem.practitioners
    }
    norm = []
    norm_ub = 0
    ub = total_points + max([abs(c) for c in carried.values()] or [0])
    for p in problem.practitioners:
        wt = max(1, round(p.working_time * 100))
        hi = (ub * 100) // wt + 1
        norm_ub = max(norm_ub, hi)
        n = m.new_int_var(-hi, hi, f"norm[{p.id}]")
        e = 100 * (load[p.id] + carried[p.id])
        m.add(wt * n <= e)
        m.add(e <= wt * n + wt - 1)
        norm.append(n)
    spread_ub = 2 * norm_ub + 1
    hi_n = m.new_int_var(-spread_ub, spread_ub, "max_norm")
    lo_n = m.new_int_var(-spread_ub, spread_ub, "min_norm")
    if norm:
        m.add_max_equality(hi_n, norm)
        m.add_min_equality(lo_n, norm)
    spread = m.new_int_var(0, spread_ub, "spread")
    m.add(spread == hi_n - lo_n)
    # Redundant, implied by the pools (targets.level_bounds): max >= L and min <= U in every
    # rota, so spread >= L - U, and every normalised load lies within [L - spread, U + spread]
    # (min >= max - spread >= L - spread, max <= min + spread <= U + spread). The last two tie
    # each load to the spread in the LP relaxation, whose plain value is otherwise 0.
    levels = level_bounds(problem)
    lb = 0
    if levels is not None and norm:
        high, low = levels
        lb = max(0, high - low)
        m.add(hi_n >= high)
        m.add(lo_n <= low)
        for n in norm:
            m.add(n + spread >= high)
            m.add(n - spread <= low)
    bm.__dict__["spread_lb"] = lb
    if lb > 0:
        m.add(spread >= min(lb, spread_ub))
    tol = round(st.fairness_tolerance * POINT_SCALE)
    excess = m.new_int_var(0, spread_ub, "spread_excess")
    m.add(excess >= spread - tol)
    if lb - tol > 0:
        m.add(excess >= min(lb - tol, spread_ub))  # redundant: the bound known at once
    bm.spread, bm.excess = spread, excess

    # Preferences.
    pref_terms = []
    pref_total = 0
    for i, pr in enumerate(problem.preferences):
        cells = [
            v
            for s, v in by_pract.get(pr.practitioner_id, [])
            if (pr.shift_id is not None and s.id == pr.shift_id)
            or (pr.shift_id is None and pr.date is not None and s.date == pr.date)
        ]
        w = abs(pr.weight)
        if pr.weight > 0:
            pref_total += w
            if not cells:
                continue  # cannot be honoured at all: a constant, left out
            b = m.new_bool_var(f"wish[{i}]")
            m.add_max_equality(b, cells)
            pref_terms.append(w * (1 - b))
        elif pr.weight < 0 and cells:
            pref_total += w * len(cells)
            pref_terms.extend(w * v for v in cells)
    bm.pref_penalty = sum(pref_terms)

    # Minimal change against the published rota.
    change_terms = []
    for a in problem.previous:
        if a.shift_id not in shift_by_id:
            continue
        v = x.get((a.shift_id, a.practitioner_id))
        change_terms.append(1 - v if v is not None else 1)
    bm.changes = sum(change_terms)

    w_change = 1
    w_pref = len(change_terms) + 1
    w_fair = w_pref * (pref_total + 1)
    m.minimize(w_fair * excess + w_pref * bm.pref_penalty + w_change * bm.changes)
    bm.__dict__["weights"] = (w_fair, w_pref, w_change)
    return bm


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
    from .greedy import greedy_rota, polish

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
    from .explain import precheck

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
    from dataclasses import replace

    from .model import MemberQuota

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
    from concurrent.futures import ThreadPoolExecutor

    from .checker import check_rota

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
        return _no_solution(problem, bm, status, name, started, cb1, explain, explain_seconds)
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


def _no_solution(problem, bm, status, name, started, cb, explain, explain_seconds) -> RotaResult:
    """Stage 1 found no rota: the best one seen if stopped, else the checked greedy rota, else
    an explanation of the infeasibility."""
    from .explain import explain_infeasibility

    wall = time.monotonic() - started
    if cb.best:  # stopped between solutions: keep the best rota so far
        return _result(
            problem, "FEASIBLE", cb.best, cb.best_objective, cb.best_bound, wall, cb.first
        )
    greedy = bm.__dict__.get("greedy", {})
    if status != cp_model.INFEASIBLE and len(greedy) == len(problem.shifts):
        # CP-SAT found nothing in time: the greedy rota is kept if the checker accepts it.
        from .checker import check_rota

        rota = [Assignment(s, p) for s, p in greedy.items()]
        if not check_rota(problem, rota):
            return _result(problem, "FEASIBLE", list(greedy.items()), None, None, wall, wall)
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
