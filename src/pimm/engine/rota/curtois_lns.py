"""Solving a Curtois instance: a first roster at once, then large-neighbourhood search.

Phases (:func:`solve_instance`):

1. first roster: the constructive heuristic of :mod:`.curtois_greedy`, then every employee whose
   row breaks a staff rule is repaired by a whole-row sub-model (all staff rules are per employee,
   so rows repaired apart stay feasible together); this gives a roster within seconds whatever
   the size, where one model of the whole instance would first have to be built and presolved;
2. LNS: ``workers`` threads, each solving sub-models of one CP-SAT worker from the incumbent; the
   neighbourhoods are built from the structure of the problem — some employees (often of one
   contract: identical employees exchange work), a window of weeks across the staff (often around
   a day whose cover is off), or two shift types over a window (their cells exchange shifts) —
   and their size adapts to how fast sub-models are solved. Concurrent neighbourhoods share no
   employee, so a merged roster still meets every staff rule; it is kept when its objective is
   no worse;
3. on models small enough for the LP relaxation of the whole model to pay off, a full-model
   thread (all cells free, ``linearization_level`` 2, one worker, in segments, the first one
   from scratch, the next hinted with the incumbent) beside the LNS, offering each roster it
   finds; it proves the optimum of the small instances. On large models only sub-models get
   the LP (it is what closes them); the whole model's LP would cost more than it gives.

The objective reported is always :func:`.curtois.objective` of the roster returned, on every
path (time limit, stop event, phase switch), and the bound the full-model phase's proven bound
(0 when none ran).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable

from ortools.sat.python import cp_model

from .curtois import CurtoisResult, Instance, Roster, objective
from .curtois_greedy import greedy_roster, row_violations
from .curtois_model import Context, Free, build_sub

log = logging.getLogger(__name__)
# boolean cell-shift variables up to which a full-model thread runs beside LNS: it proves the
# optimum of the small instances (Instance1-3 in seconds); from Instance8 (3,360) on, two LNS
# threads did better in the same time (20 s runs, load 6-8: Instance8 2067 vs 2375, Instance9
# 787 vs 831)
FULL_MODEL_LIMIT = 2_500
MIN_TARGET, MAX_TARGET = 150, 12_000  # free cell-shift variables of a neighbourhood


class _Stopper:
    """Stops the running CP-SAT solvers when the stop event is set or the deadline passes."""

    def __init__(self, stop, deadline: float):
        self.stop, self.deadline = stop, deadline
        self.solvers: set[cp_model.CpSolver] = set()
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.proven = threading.Event()  # the optimum is proven: every search ends
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def stopped(self) -> bool:
        if self.proven.is_set():
            return True
        if self.stop is None:
            return False
        return bool(self.stop()) if callable(self.stop) else self.stop.is_set()

    def over(self) -> bool:
        return self.stopped() or time.monotonic() >= self.deadline

    def _watch(self) -> None:
        while not self.done.wait(0.05):
            if self.stopped():
                with self.lock:
                    for s in self.solvers:
                        s.stop_search()

    def solve(self, model, seconds: float, workers: int = 1, callback=None, **params):
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.01, seconds)
        solver.parameters.num_workers = workers
        for k, v in params.items():
            setattr(solver.parameters, k, v)
        with self.lock:
            self.solvers.add(solver)
        try:
            status = solver.solve(model, callback)
        finally:
            with self.lock:
                self.solvers.discard(solver)
        return solver, status


class _Incumbent:
    def __init__(self, ctx: Context, roster: Roster, on_progress, started: float):
        self.ctx, self.inst, self.roster, self.lock = ctx, ctx.inst, roster, threading.Lock()
        self.value: int | None = None
        self.busy: set[str] = set()
        self.version = dict.fromkeys(ctx.staff, 0)  # bumped when an employee's row changes
        self.counts: dict[tuple[int, str], int] = {}  # staff on each (day, shift)
        for (_, d), s in roster.items():
            self.counts[d, s] = self.counts.get((d, s), 0) + 1
        self.on_progress, self.started = on_progress, started
        self.first: float | None = None
        self.bound = 0.0

    def versions(self, employees) -> dict[str, int]:
        return {e: self.version[e] for e in employees}

    def offer(self, rows: Roster, free: Free, feasible: bool = True, seen=None) -> bool:
        """Replace the free cells by ``rows``; kept if no worse (always while repairing).

        ``seen``: the versions of the free employees' rows the sub-model was built from; if
        another search changed one of those rows meanwhile, the rows no longer fit: refused.
        The objective is updated by the change of the cells that differ (requests and the cover
        of their days); the result recomputes it whole on the roster returned."""
        with self.lock:
            if seen is not None and any(self.version[e] != v for e, v in seen.items()):
                return False
            changed = [(k, self.roster.get(k), rows.get(k)) for k in free]
            changed = [c for c in changed if c[1] != c[2]]
            if not changed:
                return True
            merged = dict(self.roster)
            for k, _, new in changed:
                if new is None:
                    del merged[k]
                else:
                    merged[k] = new
            employees = {k[0] for k, _, _ in changed}
            better = False
            if feasible and self.value is not None:
                if any(row_violations(self.ctx, e, merged) for e in employees):
                    return False  # a safety net: sub-models meet every staff rule
                delta = self._delta(changed)
                if delta > 0:
                    return False
                better = delta < 0
                self.value += delta
            for (_, d), old, new in changed:
                if old is not None:
                    self.counts[d, old] -= 1
                if new is not None:
                    self.counts[d, new] = self.counts.get((d, new), 0) + 1
            self.roster = merged
            for e in employees:
                self.version[e] += 1
        if better:
            self.progress()
        return True

    def _delta(self, changed) -> int:
        """Objective change of replacing cells: their requests and the cover of their days."""
        ctx, delta = self.ctx, 0
        moves: dict[tuple[int, str], int] = {}
        for (e, d), old, new in changed:
            for s, sign in ((old, -1), (new, 1)):
                if s is None:
                    continue
                delta -= sign * ctx.on.get((e, d, s), 0)  # an on-request honoured saves it
                delta += sign * ctx.off.get((e, d, s), 0)
                moves[d, s] = moves.get((d, s), 0) + sign
        for (d, s), n in moves.items():
            req, wu, wo = ctx.cover.get((d, s), (0, 0, 0))
            before = self.counts.get((d, s), 0)
            after = before + n
            delta += wu * (max(0, req - after) - max(0, req - before))
            delta += wo * (max(0, after - req) - max(0, before - req))
        return delta

    def feasible_now(self) -> None:
        self.value = objective(self.inst, self.roster)
        self.first = time.monotonic() - self.started
        self.progress()

    def progress(self) -> None:
        if self.on_progress is not None:
            self.on_progress(float(self.value), self.bound, time.monotonic() - self.started)


class Neighbourhoods:
    """Free cells chosen from the problem's structure; ``target`` is about the variables."""

    def __init__(self, ctx: Context, rng: random.Random):
        self.ctx, self.rng = ctx, rng
        self.employees = [st.id for st in ctx.inst.staff if ctx.allowed[st.id]]
        classes: dict[tuple, list[str]] = {}
        for st in ctx.inst.staff:
            key = (tuple(sorted(st.max_shifts.items())), st.max_minutes, st.min_minutes,
                   st.max_consecutive, st.min_consecutive, st.min_days_off, st.max_weekends)  # fmt: skip
            classes.setdefault(key, []).append(st.id)
        self.classes = [c for c in classes.values() if len(c) > 1]
        self.shifts = [s.id for s in ctx.inst.shifts]
        self.width = max(
            1.0, sum(len(ctx.allowed[e]) for e in self.employees) / max(1, len(self.employees))
        )

    def window(self, days: int, around: int | None = None) -> range:
        H = self.ctx.inst.horizon
        days = max(1, min(H, days))
        if around is None:
            start = self.rng.randrange(0, H - days + 1)
        else:
            start = min(max(0, around - days // 2), H - days)
        return range(start, start + days)

    def bad_day(self, roster: Roster) -> int | None:
        counts: dict[tuple[int, str], int] = {}
        for (_, d), s in roster.items():
            counts[d, s] = counts.get((d, s), 0) + 1
        cost: dict[int, int] = {}
        for (d, s), (req, wu, wo) in self.ctx.cover.items():
            n = counts.get((d, s), 0)
            c = wu * max(0, req - n) + wo * max(0, n - req)
            if c:
                cost[d] = cost.get(d, 0) + c
        if not cost:
            return None
        days = list(cost)
        return self.rng.choices(days, weights=[cost[d] for d in days])[0]

    def pick(self, roster: Roster, target: float, busy: set[str]) -> tuple[str, Free]:
        kind = self.rng.choice(("employees", "employees", "weeks", "shifts"))
        if kind == "shifts" and len(self.shifts) < 2:
            kind = "weeks"
        if kind == "employees":
            return kind, self.by_employee(target, busy)
        if kind == "weeks":
            return kind, self.by_week(roster, target, busy)
        return kind, self.by_shift(roster, target, busy)

    def by_employee(self, target: float, busy: set[str]) -> Free:
        H = self.ctx.inst.horizon
        pool = [e for e in self.employees if e not in busy]
        k = self.rng.randint(2, 6)
        days = min(H, max(7, int(target / (k * self.width))))
        if days == H:
            k = max(k, int(target / (H * self.width)))
        if self.classes and self.rng.random() < 0.4:
            cls = [e for e in self.rng.choice(self.classes) if e not in busy]
            if len(cls) >= 2:
                pool = cls
        chosen = self.rng.sample(pool, min(k, len(pool)))
        return self.ctx.all_free(chosen, self.window(days))

    def by_week(self, roster: Roster, target: float, busy: set[str]) -> Free:
        pool = [e for e in self.employees if e not in busy]
        days = self.rng.choice((7, 7, 14))
        k = int(target / (days * self.width))
        while k < 3 and days > 2:
            days //= 2
            k = int(target / (days * self.width))
        around = self.bad_day(roster) if self.rng.random() < 0.5 else None
        chosen = self.rng.sample(pool, min(max(2, k), len(pool)))
        return self.ctx.all_free(chosen, self.window(days, around))

    def by_shift(self, roster: Roster, target: float, busy: set[str]) -> Free:
        pair = set(self.rng.sample(self.shifts, 2))
        H = self.ctx.inst.horizon
        people = [e for e in self.employees if e not in busy and pair & set(self.ctx.allowed[e])]
        days = min(H, max(7, int(target / max(1, len(people)))))
        free: Free = {}
        for d in self.window(days):
            for e in people:
                if roster.get((e, d)) in (*pair, None):
                    dom = tuple(s for s in self.ctx.domain(e, d) if s in pair)
                    if dom:
                        free[e, d] = dom
        return free


def _lns_thread(ctx, inc: _Incumbent, nbh: Neighbourhoods, stopper: _Stopper, until: float,
                seconds: float, state: dict) -> None:  # fmt: skip
    while not stopper.stopped() and time.monotonic() < until - 0.05:
        with inc.lock:
            kind, free = nbh.pick(inc.roster, state["target"], inc.busy)
            mine = {e for e, _ in free}
            inc.busy |= mine
            snapshot = dict(inc.roster)
            seen = inc.versions(mine)
        try:
            if not free:
                continue
            sub = build_sub(ctx, snapshot, free)
            left = until - time.monotonic()
            # the LP relaxation is what closes these sub-models: without it one worker proves
            # none of 6 four-employee neighbourhoods of Instance5 in 2 s, with it all in 2.2 s
            solver, status = stopper.solve(sub.model, min(seconds, left), linearization_level=2)
            before = inc.value
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                rows = sub.rows_of(solver)
                inc.offer(rows, free, seen=seen)
            stats = state.setdefault(kind, [0, 0, 0])
            stats[0] += 1
            stats[1] += int(status == cp_model.OPTIMAL)
            stats[2] += int(inc.value < before)
            # the size follows the solver: grow while sub-models are solved, shrink otherwise
            grow = 1.1 if status == cp_model.OPTIMAL else 0.85
            state["target"] = min(MAX_TARGET, max(MIN_TARGET, state["target"] * grow))
        finally:
            with inc.lock:
                inc.busy -= mine


def _lns(ctx, inc, nbh, stopper, until, workers, seconds, state) -> None:
    threads = [
        threading.Thread(target=_lns_thread, args=(ctx, inc, nbh, stopper, until, seconds, state))
        for _ in range(max(1, workers))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _repair(ctx, inc: _Incumbent, stopper: _Stopper, workers: int) -> bool:
    """Whole-row sub-models for the employees whose row breaks a rule. False: infeasible."""
    # one employee a sub-model: a batch of broken rows is much harder for one CP-SAT worker to
    # make feasible than the same rows one by one (measured: 19 rows of Instance8, none in 5 s);
    # a row broken only locally (stretches, successions) is repaired on a window around the
    # breaks first, the whole row if that fails
    H = ctx.inst.horizon
    batches = []
    for e in ctx.staff:
        where: list = []
        if row_violations(ctx, e, inc.roster, where):
            if None in where or H <= 56:
                batches.append(([e], range(H)))
            else:
                lo, hi = max(0, min(where) - 10), min(H, max(where) + 12)
                batches.append(([e], range(lo, hi)))
    batches.reverse()
    failed: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        while not stopper.over():
            with lock:
                if not batches:
                    return
                batch, days = batches.pop()
            free = ctx.all_free(batch, days)
            with inc.lock:
                snapshot = dict(inc.roster)
                seen = inc.versions(batch)
            sub = build_sub(ctx, snapshot, free)
            seconds = 1.0
            while not stopper.over():
                left = stopper.deadline - time.monotonic()
                solver, status = stopper.solve(sub.model, min(seconds, left), linearization_level=2)
                if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                    rows = sub.rows_of(solver)
                    inc.offer(rows, free, feasible=False, seen=seen)
                    break
                if status == cp_model.INFEASIBLE:
                    with lock:
                        if len(days) < H:  # the window could not do it: the whole row
                            batches.append((batch, range(H)))
                        else:
                            failed.extend(batch)
                    break
                seconds *= 2

    threads = [threading.Thread(target=work) for _ in range(max(1, workers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return not failed


class _Offer(cp_model.CpSolverSolutionCallback):
    """Offers every full-model solution to the incumbent as it is found."""

    def __init__(self, sub, inc: _Incumbent, snapshot: Roster, seen: dict[str, int]):
        super().__init__()
        self.sub, self.inc, self.snapshot, self.seen = sub, inc, snapshot, seen

    def on_solution_callback(self) -> None:
        # every cell is free: the solution is a whole roster, whatever changed meanwhile
        self.inc.offer(self.sub.roster_of(self, self.snapshot), self.sub.free)


def _full_model(ctx, inc: _Incumbent, stopper: _Stopper, until: float, segment: float) -> None:
    """All cells free, LP relaxation on, one worker, in segments each hinted with the incumbent
    (which the LNS threads keep improving meanwhile); sets ``stopper.proven`` on the optimum."""
    first = True
    while not stopper.over() and time.monotonic() < until - 0.1:
        with inc.lock:
            snapshot = dict(inc.roster)
            seen = inc.versions(ctx.staff)
        free = ctx.all_free()
        sub = build_sub(ctx, snapshot, free)
        if first:
            # the first segment searches from scratch: hinted with a roster from the LNS, one
            # worker stays near it (measured on Instance9: no better roster in 10 s from 2552,
            # 816 in 15 s without the hint); the LNS threads work near the incumbent already
            sub.model.clear_hints()
            first = False
        seconds = min(segment, until - time.monotonic())
        solver, status = stopper.solve(
            sub.model, seconds, callback=_Offer(sub, inc, snapshot, seen), linearization_level=2
        )
        log.debug(
            "full model: %s bound %s", solver.status_name(status), solver.best_objective_bound
        )
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            inc.bound = max(inc.bound, solver.best_objective_bound + _constant(ctx, sub))
        if status == cp_model.OPTIMAL or (inc.value is not None and inc.bound >= inc.value):
            stopper.proven.set()
        segment *= 1.5


def _constant(ctx: Context, sub) -> int:
    """The objective's part the full model leaves out: the on-requests' weights (it counts
    ``-weight`` per one honoured) and the cover no employee can work (missing in every roster)."""
    staffed = {(d, s) for (_, d, s) in sub.x}
    missing = sum(r * wu for (d, s), (r, wu, _) in ctx.cover.items() if (d, s) not in staffed)
    return sum(ctx.on.values()) + missing


def solve_instance(
    inst: Instance,
    time_limit_s: float = 60.0,
    workers: int = 2,
    on_progress: Callable[[float, float, float], None] | None = None,
    stop_event: threading.Event | Callable[[], bool] | None = None,
    seed: int = 0,
    full_model: bool | None = None,
) -> CurtoisResult:
    """The best roster found within ``time_limit_s``; ``full_model`` forces the full-model phase
    on (or off) whatever the size."""
    started = time.monotonic()
    deadline = started + time_limit_s
    ctx = Context.of(inst)
    stopper = _Stopper(stop_event, deadline)
    inc = _Incumbent(ctx, greedy_roster(ctx), on_progress, started)
    proven = False
    state: dict = {"target": 1500.0}
    try:
        if not _repair(ctx, inc, stopper, workers):
            return _result(inst, inc, started, feasible=False, status="INFEASIBLE")
        if any(row_violations(ctx, e, inc.roster) for e in ctx.staff):
            return _result(inst, inc, started, feasible=False, status="UNKNOWN")
        inc.feasible_now()
        nbh = Neighbourhoods(ctx, random.Random(seed))
        sub_seconds = min(3.0, max(0.3, time_limit_s / 60))
        size = sum(len(dom) for dom in ctx.all_free().values())
        use_full = size <= FULL_MODEL_LIMIT if full_model is None else full_model
        if use_full:  # the full model in one thread, LNS in the others (or after it)
            full = threading.Thread(
                target=_full_model,
                args=(ctx, inc, stopper, deadline, 0.5 * time_limit_s),
            )
            full.start()
            if workers < 2:
                full.join()
            _lns(ctx, inc, nbh, stopper, deadline, max(1, workers - 1), sub_seconds, state)
            full.join()
        else:
            _lns(ctx, inc, nbh, stopper, deadline, workers, sub_seconds, state)
        proven = stopper.proven.is_set()
    finally:
        stopper.done.set()
    log.debug("%s: %s value %s bound %s", inst.name, state, inc.value, inc.bound)
    return _result(inst, inc, started, feasible=True, proven=proven)


def _result(inst, inc: _Incumbent, started, feasible, status="", proven=False) -> CurtoisResult:
    roster = dict(inc.roster) if feasible else {}
    value = objective(inst, roster) if feasible else None  # always the returned roster's
    optimal = feasible and (proven or inc.bound >= value)
    return CurtoisResult(
        instance=inst.name,
        feasible=feasible,
        optimal=optimal,
        objective=value,
        bound=max(inc.bound, 0.0) if feasible else float("nan"),
        seconds=time.monotonic() - started,
        first_solution_seconds=inc.first,
        roster=roster,
        status=status or ("OPTIMAL" if optimal else "FEASIBLE"),
    )
