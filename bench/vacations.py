"""Vacation plan of the demo PIMM over one quarter: time to plan, largest |deviation| from shares.

    PYTHONPATH=src python bench/vacations.py [--scale N] [--seconds S] [--gap G] [--pooled] [--json]

Baseline: the chronological greedy (largest deficit first) under the same hard rules; the ratio
is greedy max deviation / CP-SAT max deviation. The plan is re-checked by the independent checker.

Solver quality: `objective` (sum over scopes of 100 x max|dev| + 10 x max|bad-hours dev| +
2 x sum|dev|, in hours; `greedy obj` is the same cost recomputed from the greedy plan's deviation
lines, and `objective_recomputed` (JSON) from the CP-SAT plan's, as a cross-check), `bound` (proven: the larger of CP-SAT's bound and the
integrality floor of `pimm.engine.vacations.bounds`, summed over scopes), `gap` = (objective -
bound) / objective, and `floor h`: the integrality floor of the largest |deviation| in hours,
computed without the solver (the plan's max |dev| can never be below it). The solver stops per
scope as soon as it is proven within `--gap` (default 1 %), so `plan s` is below the time limit
when the proof comes early. `month h`: the largest |deviation| of one member in one month
(the optimal counts are spread over the months by a second small model, at most 0.25 s per
scope: `of which months s` is that part of `plan s`; the rest is the share model and its proof).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter

from pimm.demo.generator import generate
from pimm.engine.vacations import PlanOptions, check_plan, greedy_plan, plan_vacations
from pimm.engine.vacations.demo_adapter import plan_input_from_demo


def fairness_cost(inp, plan) -> float:
    """The solver's objective recomputed from a plan's deviation lines (hours), for any plan."""
    cost = 0.0
    for scope in inp.scopes:
        lines = [ln for ln in plan.deviations if ln.month is None and ln.scope_code == scope.code]
        if not lines:
            continue
        devs = [abs(ln.deviation_hours) for ln in lines if ln.share_percent > 0]
        bad = [abs(ln.bad_hours - ln.bad_target_hours) for ln in lines if ln.share_percent > 0]
        cost += 100 * max(devs, default=0) + 10 * max(bad, default=0) + 2 * sum(devs)
    return round(cost, 2)


def run(scale: int, seconds: float, pooled: bool, gap: float = 0.01, seed: int = 42) -> dict:
    demo = generate(seed=seed, scale=scale)
    inp = plan_input_from_demo(demo, pooled=pooled)
    t0 = time.perf_counter()
    base = greedy_plan(inp)
    greedy_s = time.perf_counter() - t0
    options = PlanOptions(time_limit_s=seconds, workers=2, seed=seed, relative_gap=gap)
    plan = plan_vacations(inp, options)
    violations = check_plan(inp, plan)
    status = Counter(a.status.value for a in plan.assignments)
    return {
        "bench": "vacations",
        "scale": scale,
        "mode": "pooled" if pooled else "per_device",
        "period": f"{inp.start}..{inp.end}",
        "devices": len(inp.devices),
        "members": len(inp.members),
        "scopes": len(inp.scopes),
        "vacations": len(plan.assignments),
        "assigned": status.get("assigned", 0),
        "closed": status.get("closed", 0),
        "unstaffed": status.get("unstaffed", 0),
        "feasible": plan.feasible,
        "solver_status": plan.solver_status,
        "time_limit_s": seconds,
        "plan_seconds": round(plan.solve_seconds, 2),
        "month_seconds": plan.month_seconds,
        "objective": plan.objective,
        "objective_recomputed": fairness_cost(inp, plan),
        "greedy_objective": fairness_cost(inp, base),
        "bound": round(plan.bound, 3) if plan.bound is not None else None,
        "integrality_bound": plan.integrality_bound,
        "gap": round(plan.gap, 4) if plan.gap is not None else None,
        "max_abs_dev_vacations": plan.max_abs_deviation_vacations,
        "max_abs_dev_hours": plan.max_abs_deviation_hours,
        "max_dev_floor_hours": plan.max_dev_bound_hours,
        "greedy_seconds": round(greedy_s, 2),
        "greedy_max_abs_dev_vacations": base.max_abs_deviation_vacations,
        "ratio_greedy_over_cpsat": (
            round(base.max_abs_deviation_vacations / plan.max_abs_deviation_vacations, 2)
            if plan.max_abs_deviation_vacations
            else None
        ),
        "max_bad_hours_gap_h": round(
            max(
                (abs(ln.bad_hours - ln.bad_target_hours) for ln in plan.deviations if not ln.month),
                default=0.0,
            ),
            2,
        ),
        "greedy_bad_hours_gap_h": round(
            max(
                (abs(ln.bad_hours - ln.bad_target_hours) for ln in base.deviations if not ln.month),
                default=0.0,
            ),
            2,
        ),
        "max_month_dev_h": max(
            (abs(ln.deviation_hours) for ln in plan.deviations if ln.month), default=0.0
        ),
        "greedy_max_month_dev_h": max(
            (abs(ln.deviation_hours) for ln in base.deviations if ln.month), default=0.0
        ),
        "sum_month_dev_h": round(
            sum(abs(ln.deviation_hours) for ln in plan.deviations if ln.month), 1
        ),
        "greedy_sum_month_dev_h": round(
            sum(abs(ln.deviation_hours) for ln in base.deviations if ln.month), 1
        ),
        "checker_violations": len(violations),
        "target_met": plan.max_abs_deviation_vacations <= 1.0,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, action="append", help="repeatable; default 1 and 4")
    ap.add_argument("--seconds", type=float, default=20.0, help="CP-SAT time limit")
    ap.add_argument("--gap", type=float, default=0.01, help="stop when proven within this gap")
    ap.add_argument("--pooled", action="store_true", help="shares pooled per modality")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = [run(s, args.seconds, args.pooled, args.gap) for s in (args.scale or [1, 4])]
    if args.json:
        for r in rows:
            print(json.dumps(r))
        return
    cols = [
        ("scale", "scale"),
        ("mode", "mode"),
        ("devices", "devices"),
        ("vacations", "vacations"),
        ("assigned", "assigned"),
        ("unstaffed", "unstaffed"),
        ("solver_status", "status"),
        ("plan_seconds", "plan s"),
        ("month_seconds", "of which months s"),
        ("greedy_objective", "greedy obj"),
        ("objective", "objective"),
        ("bound", "bound"),
        ("gap", "gap"),
        ("max_abs_dev_vacations", "max |dev| vac"),
        ("max_abs_dev_hours", "max |dev| h"),
        ("max_dev_floor_hours", "floor h"),
        ("greedy_max_abs_dev_vacations", "greedy vac"),
        ("ratio_greedy_over_cpsat", "ratio"),
        ("max_bad_hours_gap_h", "bad-h gap h"),
        ("greedy_bad_hours_gap_h", "greedy bad-h"),
        ("max_month_dev_h", "month h"),
        ("greedy_max_month_dev_h", "greedy month h"),
        ("checker_violations", "violations"),
        ("target_met", "≤1 vac"),
    ]
    widths = [max(len(h), *(len(str(r[k])) for r in rows)) for k, h in cols]
    print("Vacation plan, demo PIMM, one quarter (period " + rows[0]["period"] + ")")
    print("  ".join(h.rjust(w) for (_, h), w in zip(cols, widths, strict=True)))
    for r in rows:
        print("  ".join(str(r[k]).rjust(w) for (k, _), w in zip(cols, widths, strict=True)))


if __name__ == "__main__":
    main()
