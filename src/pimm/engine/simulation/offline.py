"""Offline lower bound on emergency turnaround (clairvoyant, CP-SAT on time windows).

What is bounded: the sum (hence the mean) of turnaround, ready to signed, over the exams of the
emergency classes, for ANY policy run in ``Simulation`` on the same scenario (same readers,
rota and reading times).

Why it is a lower bound. In the simulation a reader reads one exam at a time, without
preemption, starts an exam only while on duty or present, never before it is ready, and the
reading takes the exam's drawn ``read_minutes``. The offline problem keeps exactly these
constraints and drops others — a relaxation:
- only emergency exams are scheduled (other work could only delay them);
- competence keeps the routing rule: a specialist, or a reader of the fallback competence
  starting no earlier than the first moment (after the exam is ready) when no specialist is on
  the rota, since the router may only fall back at such a moment; caps, patient grouping, the
  member's rule and the duty/present roles are dropped;
- every reading's duration is floored to the second, release times are floored as well;
- the exams are cut into windows by ready time and each window is solved alone with all
  readers free: removing exams is a relaxation, so each window's optimum is at most what any
  full schedule spends on that window's exams, and the sum over windows is a lower bound.
Each window is made smaller without changing its optimum, then solved exactly where CP-SAT can:
- a greedy schedule (earliest start, by ready time) is feasible, so an optimal schedule has a
  total wait no larger than the greedy's: no exam starts later than its earliest possible
  start + that total (``_clip``); readers with no rota in that range are dropped;
- exams that share no remaining reader are independent groups (``_components``): the window's
  optimum is the sum of the groups' optima;
- each group is a CP-SAT model (optional intervals per reader, one ``NoOverlap`` per reader,
  start domains restricted to the reader's rota, a redundant cumulative of capacity the number
  of readers, the greedy as a hint) minimising the sum of start times; it contributes
  max(CP-SAT's proven objective bound, the per-exam bound "earliest moment an eligible reader
  is available + reading time"), both valid when the time limit stops the search;
- a group CP-SAT cannot prove is solved again with four times the time limit, then also cut
  in two halves by ready time, each bounded the same way (any partition of the exams is a
  relaxation); the largest of these valid bounds is kept.
``tests/engine/simulation/test_offline_bound.py`` checks the bound against brute force.
The best schedule found is kept too (``offline_turnarounds``), to show an offline assignment.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from pimm.engine.routing.model import Priority, RotaEntry, can_read
from pimm.engine.simulation.model import Arrival, Scenario

EMERGENCY_CLASSES = (Priority.LIFE_THREATENING, Priority.EMERGENCY)


@dataclass(frozen=True)
class BoundResult:
    exam_ids: tuple[str, ...]  # the exams the bound covers
    lower_bound_minutes: float  # sum of turnaround lower bounds
    trivial_bound_minutes: float  # sum of per-exam bounds (no queueing)
    windows: int
    windows_optimal: int
    offline_turnarounds: dict[str, float]  # best schedule found (minutes), where one was found

    @property
    def mean_lower_bound(self) -> float:
        return self.lower_bound_minutes / len(self.exam_ids) if self.exam_ids else math.nan


def _merged(rota: Sequence[RotaEntry]) -> dict[str, list[tuple[dt.datetime, dt.datetime]]]:
    per: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    for e in rota:
        per.setdefault(e.reader_id, []).append((e.start, e.end))
    out = {}
    for r, ivs in per.items():
        merged: list[list[dt.datetime]] = []
        for s, e in sorted(ivs):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        out[r] = [(a, b) for a, b in merged]
    return out


def emergency_lower_bound(
    scenario: Scenario,
    *,
    window: dt.timedelta = dt.timedelta(hours=6),
    time_limit_s: float = 2.0,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    classes: Sequence[Priority] = EMERGENCY_CLASSES,
    workers: int = 2,
) -> BoundResult:
    from ortools.sat.python import cp_model  # noqa: PLC0415 — ortools is slow to import; only the offline bound solves

    since = since or scenario.start
    until = until or scenario.end
    jobs = [
        a
        for a in scenario.arrivals
        if a.exam.priority in classes and since <= a.exam.ready_at < until
    ]
    avail = _merged(scenario.rota)
    readers = scenario.readers
    config = scenario.config

    def no_specialist_from(specialists: list[str], t: dt.datetime) -> dt.datetime | None:
        # the first moment >= t when none of these readers is on the rota
        for _ in range(1000):
            covering = [end for r in specialists for s, end in avail.get(r, []) if s <= t < end]
            if not covering:
                return t
            t = max(covering)
        return None  # pragma: no cover

    elig: dict[str, list[tuple[str, dt.datetime | None]]] = {}
    for a in jobs:
        ex = a.exam
        specialists = [
            r.id for r in readers if ex.site in r.sites and ex.competence in r.competences
        ]
        gap = None
        out = []
        for r in readers:
            if ex.site not in r.sites:
                continue
            ok, fallback = can_read(r, ex, config)
            if not ok:
                continue
            if fallback:
                if gap is None:
                    gap = no_specialist_from(specialists, ex.ready_at)
                if gap is None:
                    continue
                out.append((r.id, gap))
            else:
                out.append((r.id, None))
        elig[ex.id] = out

    def earliest(reader_id: str, t: dt.datetime) -> dt.datetime | None:
        ivs = avail.get(reader_id, [])
        i = bisect.bisect_right([s for s, _e in ivs], t) - 1
        if i >= 0 and t < ivs[i][1]:
            return t
        return ivs[i + 1][0] if i + 1 < len(ivs) else None

    total_lb = 0.0
    total_trivial = 0.0
    n_windows = n_optimal = 0
    offline: dict[str, float] = {}
    t = since
    while t < until:
        t_end = min(t + window, until)
        wjobs = [a for a in jobs if t <= a.exam.ready_at < t_end]
        t = t_end
        if not wjobs:
            continue
        n_windows += 1
        window_optimal = 1
        for lb_c, trivial_c, optimal, sched in _solve_window(
            wjobs, elig, avail, earliest, time_limit_s, workers, cp_model
        ):
            total_lb += lb_c
            total_trivial += trivial_c
            window_optimal &= optimal
            offline.update(sched)
        n_optimal += window_optimal
    return BoundResult(
        exam_ids=tuple(a.exam.id for a in jobs),
        lower_bound_minutes=total_lb,
        trivial_bound_minutes=total_trivial,
        windows=n_windows,
        windows_optimal=n_optimal,
        offline_turnarounds=offline,
    )


def _components(jobs: list[tuple]) -> list[list[tuple]]:
    """Split a window's exams into groups that share no candidate reader.

    The relaxation couples two exams only through a reader's ``NoOverlap``, so exams with
    disjoint reader sets are independent: the window's optimum is the sum of the groups'
    optima (an exact decomposition, not a further relaxation). Smaller models are proven
    optimal by CP-SAT far more often, which is what makes the bound tight.
    """
    parent = list(range(len(jobs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_of: dict[str, int] = {}
    for i, job in enumerate(jobs):
        for r, _first, _ivs in job[4]:
            j = first_of.setdefault(r, i)
            parent[find(i)] = find(j)
    groups: dict[int, list[tuple]] = {}
    for i, job in enumerate(jobs):
        groups.setdefault(find(i), []).append(job)
    return list(groups.values())


def _greedy(jobs: list[tuple]) -> dict[str, tuple[str, int]] | None:
    """A feasible schedule of the relaxation: by ready time, each exam to the reader who can
    start it first (within their rota). Gives the CP-SAT hint and the slack of the domains."""
    free: dict[str, int] = {}
    out: dict[str, tuple[str, int]] = {}
    for ex_id, _rel, dur, _lo, cands in sorted(jobs, key=lambda j: (j[1], j[0])):
        best = None
        for r, _first, ivs in cands:
            f = free.get(r, -(10**12))
            for a, b in ivs:
                if b >= f:
                    t = max(a, f)
                    if best is None or t < best[1]:
                        best = (r, t)
                    break
        if best is None:  # every candidate's rota ends within the horizon: no hint
            return None
        out[ex_id] = best
        free[best[0]] = best[1] + dur
    return out


def _clip(jobs: list[tuple], greedy: dict[str, tuple[str, int]] | None) -> list[tuple]:
    """Restrict each exam's start to [lo, lo + slack] and drop the readers with no rota there.

    In an optimal schedule every start s_j >= lo_j and sum(s_j - lo_j) <= the greedy's, so no
    exam starts later than lo_j + slack: the restricted problem keeps every optimal schedule,
    hence the same optimum (and bound), with far smaller domains and fewer readers per exam.
    """
    if greedy is None:
        return jobs
    slack = sum(greedy[j[0]][1] - j[3] for j in jobs)
    out = []
    for ex_id, rel, dur, lo, cands in jobs:
        hi = lo + slack
        kept = []
        for r, first, ivs in cands:
            clipped = [(a, min(b, hi)) for a, b in ivs if a <= hi]
            if clipped:
                kept.append((r, first, clipped))
        out.append((ex_id, rel, dur, lo, kept))
    return out


def _solve_window(
    wjobs: list[Arrival], elig, avail, earliest, time_limit_s, workers, cp_model
) -> list[tuple[float, float, int, dict[str, float]]]:
    """(bound, per-exam bound, proven optimal, schedule) for each independent group."""
    base = min(a.exam.ready_at for a in wjobs).replace(microsecond=0)
    horizon_dt = dt.timedelta(days=3)

    def sec(x: dt.datetime) -> int:
        return math.floor((x - base).total_seconds())

    jobs: list[tuple] = []
    for a in wjobs:
        ex = a.exam
        rel = sec(ex.ready_at)
        dur = math.floor(a.read_minutes * 60)
        cands = []
        for r, not_before in elig[ex.id]:
            t_min = max(ex.ready_at, not_before) if not_before else ex.ready_at
            first = earliest(r, t_min)
            if first is None:
                continue
            ivs = [
                (max(sec(s), sec(t_min)), sec(e) - 1)
                for s, e in avail[r]
                if e > ex.ready_at and s < ex.ready_at + horizon_dt
            ]
            ivs = [(lo, hi) for lo, hi in ivs if lo <= hi]
            if ivs:
                cands.append((r, sec(first), ivs))
        if not cands:
            # nobody may ever read it within the horizon: it contributes no bound
            continue
        lo = min(c[1] for c in cands)
        jobs.append((ex.id, rel, dur, lo, cands))
    # clip on the whole window first (valid for the window's optimum), so that readers far
    # from every exam's possible start no longer join unrelated groups; then per group
    jobs = _clip(jobs, _greedy(jobs))
    return [_bound_group(group, time_limit_s, workers, cp_model) for group in _components(jobs)]


_SPLIT_MIN = 8  # smaller groups not proven optimal keep CP-SAT's bound


def _bound_group(jobs: list[tuple], time_limit_s, workers, cp_model, depth: int = 0):
    """Solve a group; when CP-SAT cannot prove it, also bound its two halves (by ready time)
    separately and keep the larger bound.

    Any partition of the exams is a relaxation (a schedule of the whole group, restricted to
    one part, is a schedule of that part), so the sum of the parts' bounds is a valid bound
    too; small parts are proven optimal, which recovers most of the queueing that CP-SAT's
    bound on the whole group misses.
    """
    clipped = _clip(jobs, _greedy(jobs))
    lb, trivial, optimal, sched = _solve_group(clipped, time_limit_s, workers, cp_model)
    if not optimal and depth == 0:  # a second, longer try before cutting the group in two
        lb2, _t, optimal, sched2 = _solve_group(clipped, 4 * time_limit_s, workers, cp_model)
        if sched2 and (not sched or sum(sched2.values()) < sum(sched.values())):
            sched = sched2
        lb = max(lb, lb2)
    if optimal or len(jobs) < _SPLIT_MIN or depth >= 3:
        return lb, trivial, optimal, sched
    ordered = sorted(jobs, key=lambda j: (j[1], j[0]))
    half = len(ordered) // 2
    parts = [
        _bound_group(part, time_limit_s, workers, cp_model, depth + 1)
        for part in (ordered[:half], ordered[half:])
    ]
    return max(lb, sum(p[0] for p in parts)), trivial, 0, sched


def _solve_group(jobs: list[tuple], time_limit_s, workers, cp_model):
    trivial = sum((lo - rel + dur) / 60.0 for _id, rel, dur, lo, _c in jobs)
    const = sum(dur - rel for _id, rel, dur, _lo, _c in jobs)  # seconds
    greedy = _greedy(jobs)
    model = cp_model.CpModel()
    per_reader: dict[str, list] = {}
    starts = []
    for ex_id, rel, dur, lo, cands in jobs:
        hi = max(b for _r, _f, ivs in cands for _a, b in ivs)
        s = model.NewIntVar(lo, hi, f"s_{ex_id}")
        if greedy:
            model.AddHint(s, greedy[ex_id][1])
        starts.append((ex_id, s, rel, dur))
        lits = []
        for r, _first, ivs in cands:
            x = model.NewBoolVar(f"x_{ex_id}_{r}")
            if greedy:
                model.AddHint(x, greedy[ex_id][0] == r)
            flat = [v for lo_hi in ivs for v in lo_hi]
            model.AddLinearExpressionInDomain(
                s, cp_model.Domain.FromFlatIntervals(flat)
            ).OnlyEnforceIf(x)
            per_reader.setdefault(r, []).append(
                model.NewOptionalFixedSizeIntervalVar(s, dur, x, f"i_{ex_id}_{r}")
            )
            lits.append(x)
        model.AddExactlyOne(lits)
    for ivs in per_reader.values():
        if len(ivs) > 1:
            model.AddNoOverlap(ivs)
    # redundant: no more exams in progress at once than readers in the group (helps the bound)
    model.AddCumulative(
        [model.NewFixedSizeIntervalVar(s, dur, f"c_{ex_id}") for ex_id, s, _rel, dur in starts],
        [1] * len(starts),
        len(per_reader),
    )
    if greedy:
        model.Add(sum(s for _id, s, _r, _d in starts) <= sum(g[1] for g in greedy.values()))
    model.Minimize(sum(s for _id, s, _r, _d in starts))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 1
    status = solver.Solve(model)
    sched: dict[str, float] = {}
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        bound = solver.BestObjectiveBound()
        for ex_id, s, rel, dur in starts:
            sched[ex_id] = (solver.Value(s) - rel + dur) / 60.0
    elif status == cp_model.INFEASIBLE:  # pragma: no cover - the relaxation is always feasible
        raise RuntimeError("offline window infeasible")
    else:
        bound = -math.inf
    cp_lb = (bound + const) / 60.0 if bound > -math.inf else -math.inf
    return max(cp_lb, trivial), trivial, int(status == cp_model.OPTIMAL), sched
