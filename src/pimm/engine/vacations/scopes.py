"""The CP-SAT models of the vacation planner: which vacations run on a MERM-short half-day
(``_operated``), the fair deal of each scope (``_solve_scope``), then the months
(``_balance_months``)."""

from __future__ import annotations

import math
import time as _time
from collections import defaultdict
from dataclasses import dataclass
from functools import reduce

from ortools.sat.python import cp_model

from .bounds import BP, min_max_deviation, min_sum_deviation
from .calendar import month_key
from .model import (
    PlanOptions,
    Vacation,
)
from .prepare import MONTH_SECONDS, W_MAX_BAD, W_MAX_DEV, W_SUM_DEV, _Ctx


def _greedy(ctx: _Ctx, decision: list[Vacation]) -> dict[str, str]:
    """Chronological greedy: each vacation to the eligible member with the largest deficit."""
    assigned: dict[tuple[str, str], float] = defaultdict(float)
    bad: dict[tuple[str, str], float] = defaultdict(float)
    total: dict[str, float] = defaultdict(float)
    bad_total: dict[str, float] = defaultdict(float)
    used: dict[tuple, int] = defaultdict(int)
    out: dict[str, str] = {}
    for v in decision:
        key = (v.site, v.day, v.part)
        cap = ctx.capacity[key]
        need = ctx.devices[v.device_id].merm_required
        if cap is not None and used[key] + need > cap:
            continue
        used[key] += need
        scope = ctx.scope_of[v.device_id].code
        total[scope] += v.minutes
        if v.bad:
            bad_total[scope] += v.minutes

        def deficit(m: str, scope: str = scope, bad_vac: bool = v.bad) -> tuple:
            share = ctx.bp[(scope, m)] / BP
            d = share * total[scope] - assigned[(scope, m)] - ctx.carry.get((scope, m), 0.0) * 60
            b = share * bad_total[scope] - bad[(scope, m)] if bad_vac else 0.0
            return (round(d + b * 0.25, 6), share, m)

        m = max(ctx.eligible[v.id], key=deficit)
        out[v.id] = m
        assigned[(scope, m)] += v.minutes
        if v.bad:
            bad[(scope, m)] += v.minutes
    return out


def _knapsack_units(items: list[tuple[int, int]], cap: int) -> int:
    """Most operated units of a MERM-contested half-day: items are (merm_required, units)."""
    best = [0] * (cap + 1)
    for w, val in items:
        for c in range(cap, w - 1, -1):
            best[c] = max(best[c], best[c - w] + val)
    return best[cap]


@dataclass
class _Solved:
    status: str
    chosen: dict[str, str] | None
    objective: float | None = None
    bound: float = 0.0
    max_dev_bound_hours: float = 0.0
    integrality_bound: float = 0.0  # the part of `bound` computed without the solver
    month_seconds: float = 0.0  # spent spreading the counts over the months


def _operated(ctx: _Ctx, decision: list[Vacation], unit: int) -> list[Vacation]:
    """Vacations that run: on a MERM-short half-day, the most operable time (knapsack), ties
    going to the devices that ran least so far (chronological rotation between devices)."""
    groups: dict[tuple, list[Vacation]] = defaultdict(list)
    for v in decision:
        groups[(v.site, v.day, v.part)].append(v)
    ran: dict[str, int] = defaultdict(int)
    out: list[Vacation] = []
    for key in sorted(groups, key=lambda k: (groups[k][0].start, k[0])):
        vs = groups[key]
        cap = ctx.capacity[key]
        need = [ctx.devices[v.device_id].merm_required for v in vs]
        if cap is None or sum(need) <= cap:
            keep = vs
        else:
            vs = sorted(vs, key=lambda v: (ran[v.device_id], v.device_id))
            items = [(ctx.devices[v.device_id].merm_required, v.minutes // unit) for v in vs]
            best = _knapsack_units(items, cap)
            keep, used, got = [], 0, 0
            # least-run devices first, skipping one only if the knapsack optimum stays reachable
            for i, (v, (w, u)) in enumerate(zip(vs, items, strict=True)):
                if (
                    used + w <= cap
                    and got + u + _knapsack_units(items[i + 1 :], cap - used - w) >= best
                ):
                    keep.append(v)
                    used += w
                    got += u
        for v in keep:
            ran[v.device_id] += v.minutes
        out.extend(keep)
    return out


def _solve(
    ctx: _Ctx, decision: list[Vacation], hint: dict[str, str], options: PlanOptions
) -> _Solved:
    """Aggregated CP-SAT model, one per share scope: how many vacations of each class each member
    gets.

    The vacations that run are fixed first (`_operated`: staffing decides, not the shares), so
    scopes are independent and each has a fixed operated time. Vacations of one scope with the
    same length, good/bad hours and eligible members are interchangeable for every objective term,
    so the model counts them (n[member, class]) instead of choosing each one: no symmetry, tens
    of variables per scope. Each objective term gets the integrality floor of `bounds.py`, so
    CP-SAT proves optimality (or a gap) against it and stops early. Counts are then spread over
    the months (`_balance_months`) and dealt out to the vacations in time order.
    """
    unit = reduce(math.gcd, (v.minutes for v in decision), 0) or 1
    running = _operated(ctx, decision, unit)
    by_scope: dict[str, list[Vacation]] = defaultdict(list)
    for v in running:
        by_scope[ctx.scope_of[v.device_id].code].append(v)
    t0 = _time.perf_counter()
    parts: dict[str, _Solved] = {}
    memo: dict = {}
    # first pass: time shared by size; scopes not proven then share what is left (second pass,
    # restarting from their first solution)
    order = sorted(by_scope, key=lambda c: -len(by_scope[c]))
    left = len(running)
    for code in order:
        remaining = max(0.1, options.time_limit_s - (_time.perf_counter() - t0))
        budget = remaining * len(by_scope[code]) / left / 2
        left -= len(by_scope[code])
        parts[code] = _solve_scope(ctx, by_scope[code], hint, unit, options, budget, memo)
        if parts[code].chosen is None:
            return _Solved(parts[code].status, None)
    retry = [c for c in order if parts[c].status != "OPTIMAL"]
    left = sum(len(by_scope[c]) for c in retry)
    for code in retry:
        remaining = options.time_limit_s - (_time.perf_counter() - t0)
        if remaining <= 0.1:
            break
        budget = remaining * len(by_scope[code]) / left
        left -= len(by_scope[code])
        again = _solve_scope(ctx, by_scope[code], parts[code].chosen, unit, options, budget)
        if again.chosen is not None and again.objective <= parts[code].objective:
            again.bound = max(again.bound, parts[code].bound)
            parts[code] = again
    out = _Solved("OPTIMAL", {}, 0.0, 0.0, 0.0)
    for part in parts.values():
        out.chosen.update(part.chosen)
        out.objective += part.objective
        out.bound += part.bound
        out.integrality_bound += part.integrality_bound
        out.month_seconds += part.month_seconds
        out.max_dev_bound_hours = max(out.max_dev_bound_hours, part.max_dev_bound_hours)
    if any(p.status != "OPTIMAL" for p in parts.values()):
        out.status = "FEASIBLE"
    to_hours = unit / 60 / BP  # objective terms are in basis points of time units
    out.objective = round(out.objective * to_hours, 4)
    out.bound = round(out.bound * to_hours, 4)
    out.integrality_bound = round(out.integrality_bound * to_hours, 4)
    return out


def _deal(
    classes: dict[tuple, list[Vacation]], quotas: dict[tuple, int], share: dict[str, float]
) -> dict[str, str]:
    """The counts dealt out to the vacations, in time order, so each month stays balanced.

    Each vacation goes to a member with count left in its class: the one furthest behind both
    its pro-rata of the scope's time so far (in vacations) and its pro-rata of the class so far.
    """
    chosen: dict[str, str] = {}
    order = sorted(
        ((v, ck) for ck, vs in classes.items() for v in vs),
        key=lambda x: (x[0].start, x[0].device_id),
    )
    left = dict(quotas)
    seen = dict.fromkeys(classes, 0)
    given_class: dict[tuple, int] = defaultdict(int)
    got: dict[str, float] = defaultdict(float)
    total = 0.0
    for v, ck in order:
        total += v.minutes
        seen[ck] += 1
        size = len(classes[ck])

        def lag(
            m: str, v: Vacation = v, ck: tuple = ck, size: int = size, total: float = total
        ) -> tuple:
            time_lag = (share[m] * total - got[m]) / v.minutes
            class_lag = quotas[(m, ck)] * seen[ck] / size - given_class[(m, ck)]
            # time weighs double: measured by month, it matters more than a class's rhythm
            return (round(2 * time_lag + class_lag, 9), quotas[(m, ck)], m)

        m = max((m for m in ck[2] if left[(m, ck)] > 0), key=lag)
        chosen[v.id] = m
        left[(m, ck)] -= 1
        given_class[(m, ck)] += 1
        got[m] += v.minutes
    return chosen


def _balance_months(
    classes: dict[tuple, list[Vacation]],
    quotas: dict[tuple, int],
    share: dict[str, float],
    options: PlanOptions,
    seconds: float,
) -> dict[str, str]:
    """Second, smaller model: split each member's (fixed, optimal) class counts over the months
    so that the monthly deviations are as small as possible; then deal within class and month.

    Starts from the time-ordered deal and keeps it if nothing better is found in `seconds`."""
    start = _deal(classes, quotas, share)
    months: dict[tuple, list[Vacation]] = defaultdict(list)
    for ck, vs in classes.items():
        for v in vs:
            months[(ck, month_key(v.day))].append(v)
    month_keys = sorted({mk for _, mk in months})
    if len(month_keys) < 2 or seconds < 0.05:
        return start
    bp = {m: round(x * BP) for m, x in share.items()}
    model = cp_model.CpModel()
    y: dict[tuple, cp_model.IntVar] = {}
    for (ck, mk), vs in months.items():
        for m in ck[2]:
            y[(m, ck, mk)] = model.new_int_var(0, len(vs), "")
            model.add_hint(y[(m, ck, mk)], sum(1 for v in vs if start[v.id] == m))
        model.add(sum(y[(m, ck, mk)] for m in ck[2]) == len(vs))
    for (m, ck), q in quotas.items():
        model.add(sum(y[(m, ck, mk)] for mk in month_keys if (m, ck, mk) in y) == q)
    sums = []
    members = list(share)
    for mk in month_keys:
        cks = [(ck, len(vs)) for (ck, k), vs in months.items() if k == mk]
        total = sum(u * size for (u, _, _), size in cks)
        terms = []
        for m in members:
            got = sum(ck[0] * y[(mm, ck, k)] for (mm, ck, k) in y if mm == m and k == mk)
            dev = BP * got - bp[m] * total
            a = model.new_int_var(0, BP * (total + 1), "")
            model.add(a >= dev)
            model.add(a >= -dev)
            terms.append(a)
        # integrality floor of the month, so the solver can stop once it is reached
        floor = min_sum_deviation(
            [bp[m] * total for m in members],
            [0] * len(members),
            [sum(ck[0] * size for ck, size in cks if m in ck[2]) for m in members],
            total,
            reduce(math.gcd, (ck[0] for ck, _ in cks), 0) or 1,
        )
        month_sum = model.new_int_var(floor or 0, BP * (total + 1) * len(members), "")
        model.add(month_sum == sum(terms))
        sums.append(month_sum)
    model.minimize(sum(sums))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = max(1, options.workers)
    solver.parameters.random_seed = options.seed
    solver.parameters.relative_gap_limit = max(options.relative_gap, 0.05)
    solver.parameters.max_time_in_seconds = seconds
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return start
    split = {(ck, mk): vs for (ck, mk), vs in months.items()}
    per_month = {k: {(m, k[0]): solver.value(y[(m, k[0], k[1])]) for m in k[0][2]} for k in split}
    chosen: dict[str, str] = {}
    for k, vs in split.items():
        chosen.update(_deal({k[0]: vs}, per_month[k], share))
    return chosen


def _solve_scope(
    ctx: _Ctx,
    running: list[Vacation],
    hint: dict[str, str],
    unit: int,
    options: PlanOptions,
    seconds: float,
    memo: dict | None = None,
) -> _Solved:
    """One scope: min W_MAX_DEV max|dev| + W_SUM_DEV sum|dev| + W_MAX_BAD max|bad-hours dev|.

    Scopes with the same classes, shares and carry-over (identical devices of one territory) are
    the same problem: a proven optimum is reused from `memo` instead of solved again."""
    scope = ctx.scope_of[running[0].device_id]
    code = scope.code
    members = [s.member_id for s in scope.shares if ctx.bp[(code, s.member_id)] > 0]
    classes: dict[tuple, list[Vacation]] = defaultdict(list)  # (units, bad, eligible) -> vacations
    for v in running:
        classes[(v.minutes // unit, v.bad, ctx.eligible[v.id])].append(v)
    carry = [round(ctx.carry.get((code, m), 0.0) * 60 / unit * BP) for m in members]
    share = {m: ctx.bp[(code, m)] / BP for m in members}
    key = (
        tuple(sorted((ck, len(vs)) for ck, vs in classes.items())),
        tuple(members),
        tuple(ctx.bp[(code, m)] for m in members),
        tuple(carry),
    )
    if memo is not None and key in memo:
        quotas, objective, bound, lb_hours, independent = memo[key]
        t0 = _time.perf_counter()
        chosen = _balance_months(classes, quotas, share, options, min(MONTH_SECONDS, seconds))
        done = _Solved("OPTIMAL", chosen, objective, bound, lb_hours, independent)
        done.month_seconds = _time.perf_counter() - t0
        return done
    model = cp_model.CpModel()
    n: dict[tuple, cp_model.IntVar] = {}
    for ck, vs in classes.items():
        for m in ck[2]:
            n[(m, ck)] = model.new_int_var(0, len(vs), f"n[{m},{ck[0]},{ck[1]}]")
            model.add_hint(n[(m, ck)], sum(1 for v in vs if hint.get(v.id) == m))
        model.add(sum(n[(m, ck)] for m in ck[2]) == len(vs))

    def floors(cks: list[tuple], carry: list[int]) -> tuple[int, int]:
        """Integrality floors (min max, min sum) of |BP a_m - share_m T + carry_m| over cks."""
        total = sum(ck[0] * len(classes[ck]) for ck in cks)
        lo = [sum(ck[0] * len(classes[ck]) for ck in cks if ck[2] == (m,)) for m in members]
        hi = [sum(ck[0] * len(classes[ck]) for ck in cks if m in ck[2]) for m in members]
        targets = [ctx.bp[(code, m)] * total - c for m, c in zip(members, carry, strict=True)]
        step = reduce(math.gcd, (ck[0] for ck in cks), 0) or 1  # every a_m is a multiple
        return (
            min_max_deviation(targets, lo, hi, total, step) or 0,
            min_sum_deviation(targets, lo, hi, total, step) or 0,
        )

    def deviations(cks: list[tuple], carry: list[int], ub: int, name: str) -> list:
        total = sum(ck[0] * len(classes[ck]) for ck in cks)
        out = []
        for m, c in zip(members, carry, strict=True):
            got = sum(ck[0] * n[(m, ck)] for ck in cks if (m, ck) in n)
            a = model.new_int_var(0, ub, f"{name}[{m}]")
            model.add(a >= BP * got - ctx.bp[(code, m)] * total + c)
            model.add(a >= -(BP * got - ctx.bp[(code, m)] * total + c))
            out.append(a)
        return out

    terms = []  # (weight, variable, integrality floor)

    def floored(weight: int, lb: int, ub: int, parts: list, name: str, is_max: bool) -> None:
        var = model.new_int_var(lb, max(lb, ub), name)
        if is_max:
            for p in parts:
                model.add(var >= p)
        else:
            model.add(var == sum(parts))
        terms.append((weight, var, lb))

    all_cks = list(classes)
    ub = BP * (sum(ck[0] * len(vs) for ck, vs in classes.items()) + 1) + sum(map(abs, carry))
    z_lb, s_lb = floors(all_cks, carry)
    devs = deviations(all_cks, carry, ub, "dev")
    floored(W_MAX_DEV, z_lb, ub, devs, "max_dev", True)
    floored(W_SUM_DEV, s_lb, ub * len(devs), devs, "sum_dev", False)
    bad_cks = [ck for ck in all_cks if ck[1]]
    if bad_cks:
        zero = [0] * len(members)
        bz_lb, _ = floors(bad_cks, zero)
        floored(W_MAX_BAD, bz_lb, ub, deviations(bad_cks, zero, ub, "bad"), "max_bad", True)
    model.minimize(sum(w * var for w, var, _ in terms))
    independent_bound = float(sum(w * lb for w, _, lb in terms))
    lb_z_hours = z_lb / BP * unit / 60

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = max(1, options.workers)
    solver.parameters.random_seed = options.seed
    solver.parameters.relative_gap_limit = options.relative_gap
    solver.parameters.max_time_in_seconds = max(0.1, seconds)
    status = solver.solve(model)
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _Solved(name, None, None, independent_bound, lb_z_hours, independent_bound)
    bound = max(independent_bound, solver.best_objective_bound)
    quotas = {k: solver.value(var) for k, var in n.items()}
    if memo is not None and status == cp_model.OPTIMAL:
        memo[key] = (quotas, solver.objective_value, bound, lb_z_hours, independent_bound)
    left = max(0.0, seconds - solver.wall_time)
    t0 = _time.perf_counter()
    chosen = _balance_months(classes, quotas, share, options, min(MONTH_SECONDS, left))
    done = _Solved(name, chosen, solver.objective_value, bound, lb_z_hours, independent_bound)
    done.month_seconds = _time.perf_counter() - t0
    return done
