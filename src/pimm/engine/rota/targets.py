"""Fair load levels by competence pool: a proven bound on the spread, and targets for the hint.

Loads are measured as the solver measures them: ``norm = floor(100 * load / wt)`` with ``load``
the (period + carried) points in tenths and ``wt`` the working time in percent.

*Bound.* For a set S of practitioners, the lines whose whole pool lies in S must be carried by S,
so the largest normalised load is at least the smallest level V at which every member of S could
stay at or under V and S still carry them (each member's load is its carried points plus a
multiple of the points' gcd, so this rounds up where the plain average does not). Likewise, a
set T can carry at most the lines some member of T can staff, so the smallest normalised load
is at most the largest level every member of T could reach. ``max_S high(S) − min_T low(T)``
is a valid lower bound on the spread (T ranges over the same unions, their complements, and
their complements within a component): every rota meets both inequalities, and the rules left
out (leave, rest, night caps...) can only raise it. With few lines, every union of pools is
tried; otherwise unions of up to three pools and whole components.

*Targets.* Water-filling over the same pools: the densest set of practitioners (forced points
per FTE) gets its level, is removed with its lines, and so on; then a small transportation LP
splits every line's points among its pool to meet those targets. The greedy hint aims at them.
They are a heuristic, never a constraint.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from math import gcd

from .model import RotaProblem, Shift
from .points import POINT_SCALE, shift_tenths

EXACT_LINES = 8  # lines per component up to which every union of pools is tried (2^8 sets)


@dataclass(frozen=True)
class Pools:
    line_points: dict[str, int]  # line id -> points of the period (tenths)
    pool: dict[str, frozenset[str]]  # line id -> competent practitioners
    wt: dict[str, int]  # working time in percent, as in the model
    carried: dict[str, int]  # tenths
    step: int  # gcd of the point values of all shifts (tenths)


def competent_ids(problem: RotaProblem, shift: Shift) -> frozenset[str]:
    line = next(ln for ln in problem.lines if ln.id == shift.line_id)
    out = []
    for p in problem.practitioners:
        if line.competence is not None and line.competence not in p.competences:
            continue
        if p.sites is not None and line.site_ids and not set(line.site_ids) & set(p.sites):
            continue
        out.append(p.id)
    return frozenset(out)


def pools(problem: RotaProblem) -> Pools:
    tenths = shift_tenths(problem)
    line_points: dict[str, int] = defaultdict(int)
    first: dict[str, Shift] = {}
    step = 0
    known = {ln.id for ln in problem.lines}
    for s in problem.shifts:
        if s.line_id not in known:  # not in the model either
            continue
        v = tenths[s.id]
        line_points[s.line_id] += v
        step = gcd(step, v)
        first.setdefault(s.line_id, s)
    return Pools(
        dict(line_points),
        {lid: competent_ids(problem, s) for lid, s in first.items()},
        {p.id: max(1, round(p.working_time * 100)) for p in problem.practitioners},
        {
            p.id: round(problem.carried_points.get(p.id, 0.0) * POINT_SCALE)
            for p in problem.practitioners
        },
        step or 1,
    )


def _components(pl: Pools) -> list[list[str]]:
    """Line ids grouped so that no practitioner is competent in two groups."""
    comps: list[tuple[set[str], set[str]]] = []
    for lid, ps in pl.pool.items():
        lines, people = {lid}, set(ps)
        for c in [c for c in comps if c[1] & people]:
            lines |= c[0]
            people |= c[1]
            comps.remove(c)
        comps.append((lines, people))
    return [sorted(c[0]) for c in comps]


def _candidates(pl: Pools, within: bool = False) -> set[frozenset[str]]:
    """Sets of practitioners that are unions of pools (closed: the lines they alone staff).
    With ``within``, also each component's practitioners minus such a union (the others of
    that component, who can only carry that component's lines)."""
    out: set[frozenset[str]] = set()
    for comp in _components(pl):
        people = frozenset().union(*(pl.pool[lid] for lid in comp))
        mine: set[frozenset[str]] = set()
        sizes = range(1, len(comp) + 1) if len(comp) <= EXACT_LINES else range(1, 4)
        for k in sizes:
            for combo in combinations(comp, k):
                mine.add(frozenset().union(*(pl.pool[lid] for lid in combo)))
        mine.add(people)
        out |= mine
        if within:
            out |= {people - g for g in mine if people - g}
    return out


def _forced(pl: Pools, group: frozenset[str]) -> int:
    return sum(pts for lid, pts in pl.line_points.items() if pl.pool[lid] <= group)


def _max_load(pl: Pools, pid: str, level: int) -> int | None:
    """Largest load (carried + k * step, k >= 0) with floor(100 * load / wt) <= level."""
    c, w = pl.carried[pid], pl.wt[pid]
    k = ((level + 1) * w - 1 - 100 * c) // (100 * pl.step)
    return None if k < 0 else c + k * pl.step


def _min_load(pl: Pools, pid: str, level: int) -> int:
    """Smallest load (carried + k * step, k >= 0) with floor(100 * load / wt) >= level."""
    c, w = pl.carried[pid], pl.wt[pid]
    k = max(0, -((100 * c - level * w) // (100 * pl.step)))
    return c + k * pl.step


def _high(pl: Pools, group: frozenset[str]) -> int:
    """Smallest level V such that every member of ``group`` at or under V can carry its lines."""
    need = _forced(pl, group) + sum(pl.carried[i] for i in group)

    def ok(level: int) -> bool:
        caps = [_max_load(pl, i, level) for i in group]
        return None not in caps and sum(caps) >= need

    lo, hi = -1, 1
    while not ok(hi):
        hi *= 2
    while ok(lo):
        lo *= 2
    while hi - lo > 1:  # ok(hi) and not ok(lo)
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


def _low(pl: Pools, group: frozenset[str], total: int) -> int:
    """Largest level V that every member of ``group`` could reach with all it may carry."""
    others = frozenset(pl.wt) - group
    room = total - _forced(pl, others) + sum(pl.carried[i] for i in group)

    def ok(level: int) -> bool:
        return sum(_min_load(pl, i, level) for i in group) <= room

    lo, hi = -1, 1
    while ok(hi):
        hi *= 2
    while not ok(lo):
        lo *= 2
    while hi - lo > 1:  # ok(lo) and not ok(hi)
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return lo


def level_bounds(problem: RotaProblem) -> tuple[int, int] | None:
    """(L, U): every rota has max normalised load >= L and min normalised load <= U (tenths of
    a point per FTE, floored as in the solver). None when a line has no competent practitioner
    or nobody is on the rota."""
    pl = pools(problem)
    if not pl.pool or not pl.wt or any(not v for v in pl.pool.values()):
        return None
    everyone = frozenset(pl.wt)
    total = sum(pl.line_points.values())
    cands = _candidates(pl)
    high = max(_high(pl, g) for g in cands)
    lows = [_low(pl, everyone, total)]
    for g in cands | _candidates(pl, within=True):
        for rest in (everyone - g, g):
            if rest:
                lows.append(_low(pl, rest, total))
    return high, min(lows)


def spread_bound(problem: RotaProblem) -> int:
    """Proven lower bound on the spread (max − min normalised load, tenths per FTE)."""
    b = level_bounds(problem)
    return 0 if b is None else max(0, b[0] - b[1])


def water_levels(problem: RotaProblem) -> dict[str, Fraction]:
    """Fair normalised level per practitioner (points per FTE in tenths, before rounding).

    Repeatedly the set of practitioners with the densest forced load (points of the lines only
    they can staff, plus their carried points, per FTE) takes that level and leaves with its
    lines. Ties and inclusion are resolved towards the larger set.
    """
    pl = pools(problem)
    people = set(pl.wt)
    lines = set(pl.line_points)
    level: dict[str, Fraction] = {}
    cands = _candidates(pl)
    while people:
        best, best_set = None, None
        for g in {c & people for c in cands} | {frozenset(people)}:
            if not g:
                continue
            forced = sum(pl.line_points[lid] for lid in lines if pl.pool[lid] & people <= g)
            dens = Fraction(
                100 * (forced + sum(pl.carried[i] for i in g)), sum(pl.wt[i] for i in g)
            )
            if best is None or dens > best or (dens == best and len(g) > len(best_set)):
                best, best_set = dens, g
        for i in best_set:
            level[i] = best
        lines = {lid for lid in lines if not pl.pool[lid] & people <= best_set}
        people -= best_set
    return level


def line_shares(problem: RotaProblem) -> dict[tuple[str, str], float]:
    """(line id, practitioner id) -> points (tenths) of that line the practitioner should carry
    to meet the water levels: a transportation LP, the distance to the targets minimised."""
    from ortools.linear_solver import pywraplp  # noqa: PLC0415 — GLOP loads only when a line is split

    pl = pools(problem)
    level = water_levels(problem)
    lp = pywraplp.Solver.CreateSolver("GLOP")
    f = {}
    for lid, ps in sorted(pl.pool.items()):
        for pid in sorted(ps):  # a fixed order: the same shares (and rota) from run to run
            f[lid, pid] = lp.NumVar(0.0, lp.infinity(), "")
    for lid, pts in pl.line_points.items():
        lp.Add(sum(f[lid, pid] for pid in sorted(pl.pool[lid])) == pts)
    by_p: dict[str, list] = defaultdict(list)
    for (_lid, pid), v in f.items():
        by_p[pid].append(v)
    dev = []
    for pid, w in pl.wt.items():
        want = max(0.0, float(level[pid]) * w / 100 - pl.carried[pid])
        d = lp.NumVar(0.0, lp.infinity(), "")
        got = sum(by_p.get(pid, []))
        lp.Add(got - want <= d)
        lp.Add(want - got <= d)
        dev.append(d * (100.0 / w))
    lp.Minimize(sum(dev))
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return {}
    return {k: v.solution_value() for k, v in f.items()}


def quota_window(share_percent: float, tolerance_percent: float, total: int) -> tuple[int, int]:
    """Smallest and largest member points (tenths, integers) within share ± tolerance of
    ``total`` (tenths). Rounded inwards from the exact values of the floats, so that a load
    inside the window always passes the checker's ``|share − quota| <= tolerance``."""
    lo = Fraction(share_percent) - Fraction(tolerance_percent)
    hi = Fraction(share_percent) + Fraction(tolerance_percent)
    return (-((-lo * total) // 100)).__int__(), ((hi * total) // 100).__int__()
