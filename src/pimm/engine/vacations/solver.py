"""CP-SAT vacation planner: give each member its convention share of each device's (or pool's) time.

Hard rules: a vacation goes to at most one member; never on a closed/maintenance/holiday vacation;
never more device vacations on a site and half-day than its MERM can staff; a device flagged
`requires_presence` goes only to a member with one of its radiologists present on that site.
Every open vacation that has an eligible member and staff is assigned.

Which vacations run on a MERM-short half-day is decided first: the most operable time, rotating
between devices (`_operated`). Then, per scope and summed over scopes (weighted, most important
first): minimise the largest |deviation| from shares (carried-in deviation included), the largest
|deviation| of bad hours, and the sum of |deviations|. Each term has an integrality floor
(`bounds.py`) so the solver proves optimality (or reports its gap) and stops early. A second,
small model then spreads each member's counts over the months (`_balance_months`).
"""

from __future__ import annotations

import time as _time

from pimm.engine.i18n import message as _

from .bounds import BP
from .calendar import month_key
from .model import (
    PART_LABELS_FR,
    CarryOver,
    DeviationLine,
    PlanInput,
    PlanOptions,
    Problem,
    Status,
    Vacation,
    VacationAssignment,
    VacationPlan,
)
from .prepare import (  # noqa: F401 — the weights and checks, re-exported for callers
    MONTH_SECONDS,
    W_MAX_BAD,
    W_MAX_DEV,
    W_SUM_DEV,
    _Ctx,
    _fmt_h,
    _fmt_pct,
    _prepare,
    _staffable,
    _structural_problems,
    validate_input,
)
from .scopes import _greedy, _solve, _Solved


def _report(ctx: _Ctx, chosen: dict[str, str]):
    """Assignments, deviation lines (per month and period) and carry-over from a chosen plan."""
    assignments = []
    for v in ctx.vacations:
        if v.closed_reason:
            assignments.append(VacationAssignment(v, Status.CLOSED, None, v.closed_reason))
        elif v.id in chosen:
            assignments.append(VacationAssignment(v, Status.ASSIGNED, chosen[v.id]))
        elif v.device_id not in ctx.scope_of:
            assignments.append(
                VacationAssignment(v, Status.UNASSIGNED, None, "aucune clé de répartition")
            )
        elif not _staffable(ctx, v) or (ctx.eligible[v.id] and v.id not in chosen):
            cap = ctx.capacity[(v.site, v.day, v.part)]
            assignments.append(
                VacationAssignment(
                    v,
                    Status.UNSTAFFED,
                    None,
                    f"MERM insuffisants sur le site {v.site} ({cap} disponible(s), "
                    f"{PART_LABELS_FR[v.part]})",
                )
            )
        else:
            assignments.append(
                VacationAssignment(
                    v, Status.UNASSIGNED, None, "aucun radiologue d'un membre présent sur le site"
                )
            )
    lines: list[DeviationLine] = []
    carry_out: list[CarryOver] = []
    max_h = max_v = 0.0
    for scope in ctx.inp.scopes:
        vs = [a for a in assignments if a.vacation.device_id in scope.device_ids]
        operated = [a for a in vs if a.status is Status.ASSIGNED]
        mean_h = (
            sum(a.vacation.hours for a in operated) / len(operated)
            if operated
            else (sum(a.vacation.hours for a in vs) / len(vs) if vs else 1.0)
        )
        buckets: dict[str | None, list[VacationAssignment]] = {None: operated}
        for a in operated:
            buckets.setdefault(month_key(a.vacation.day), []).append(a)
        for month in [None, *sorted(k for k in buckets if k is not None)]:
            ops = buckets[month]
            total = sum(a.vacation.hours for a in ops)
            bad_total = sum(a.vacation.hours for a in ops if a.vacation.bad)
            for s in scope.shares:
                share = ctx.bp.get((scope.code, s.member_id), 0) / BP
                got = sum(a.vacation.hours for a in ops if a.member_id == s.member_id)
                bad = sum(
                    a.vacation.hours for a in ops if a.member_id == s.member_id and a.vacation.bad
                )
                carried = ctx.carry.get((scope.code, s.member_id), 0.0) if month is None else 0.0
                dev = got - share * total + carried
                lines.append(
                    DeviationLine(
                        scope_code=scope.code,
                        member_id=s.member_id,
                        month=month,
                        share_percent=s.percent,
                        total_hours=round(total, 4),
                        target_hours=round(share * total, 4),
                        assigned_hours=round(got, 4),
                        carried_in_hours=round(carried, 4),
                        deviation_hours=round(dev, 4),
                        deviation_percent=round(100 * dev / total, 4) if total else 0.0,
                        deviation_vacations=round(dev / mean_h, 4),
                        bad_hours=round(bad, 4),
                        bad_target_hours=round(share * bad_total, 4),
                    )
                )
                if month is None:
                    carry_out.append(CarryOver(scope.code, s.member_id, round(dev, 4)))
                    max_h = max(max_h, abs(dev))
                    max_v = max(max_v, abs(dev / mean_h))
    return tuple(assignments), tuple(lines), tuple(carry_out), max_h, max_v


def plan_vacations(inp: PlanInput, options: PlanOptions | None = None) -> VacationPlan:
    """Plan the period: an infeasible plan (French reasons, no assignment) or a full one."""
    options = options or PlanOptions()
    t0 = _time.perf_counter()
    problems = validate_input(inp)
    if problems:
        return VacationPlan(False, "INVALID_INPUT", problems=tuple(problems))
    ctx = _prepare(inp)
    problems = _structural_problems(ctx)
    if any(p.severity == "error" for p in problems):
        return VacationPlan(
            False,
            "INFEASIBLE_INPUT",
            problems=tuple(problems),
            solve_seconds=_time.perf_counter() - t0,
        )
    decision = [
        v
        for v in ctx.vacations
        if not v.closed_reason and ctx.eligible[v.id] and _staffable(ctx, v)
    ]
    hint = _greedy(ctx, decision)
    solved = _solve(ctx, decision, hint, options) if decision else _Solved("OPTIMAL", {}, 0.0)
    status, chosen = solved.status, solved.chosen
    if chosen is None:  # time limit hit before the solver found anything: keep the greedy plan
        status, chosen = f"GREEDY ({status})", hint
    quality = {
        "objective": solved.objective,
        "bound": solved.bound,
        "gap": (
            max(0.0, (solved.objective - solved.bound) / solved.objective)
            if solved.objective
            else (0.0 if solved.objective == 0 else None)
        ),
        "max_dev_bound_hours": round(solved.max_dev_bound_hours, 4),
        "integrality_bound": solved.integrality_bound,
        "month_seconds": round(solved.month_seconds, 3),
    }
    assignments, lines, carry, max_h, max_v = _report(ctx, chosen)
    elapsed = _time.perf_counter() - t0
    if (
        options.max_deviation_vacations is not None
        and max_v > options.max_deviation_vacations + 1e-9
    ):
        worst = sorted(
            (ln for ln in lines if ln.month is None),
            key=lambda ln: -abs(ln.deviation_vacations),
        )
        for ln in worst:
            if abs(ln.deviation_vacations) <= options.max_deviation_vacations + 1e-9:
                break
            months = sorted(
                (
                    m
                    for m in lines
                    if m.month and m.scope_code == ln.scope_code and m.member_id == ln.member_id
                ),
                key=lambda m: -abs(m.deviation_hours),
            )
            where = _(" ; écart le plus fort en %(month)s", month=months[0].month) if months else ""
            problems.append(
                Problem(
                    "deviation",
                    _(
                        "Clé « %(scope_code)s » : l'écart du membre %(member_id)s à sa part (%(share_percent)s) serait de %(deviation_hours)s (%(deviation_vacations)s vacation(s)), au-delà de la tolérance de %(max_deviation_vacations)s vacation%(where)s.",
                        scope_code=ln.scope_code,
                        member_id=ctx.member(ln.member_id),
                        share_percent=_fmt_pct(ln.share_percent),
                        deviation_hours=_fmt_h(ln.deviation_hours),
                        deviation_vacations=format(ln.deviation_vacations, ".1f"),
                        max_deviation_vacations=format(options.max_deviation_vacations, "g"),
                        where=where,
                    ),
                    scope_code=ln.scope_code,
                    member_id=ln.member_id,
                    month=months[0].month if months else None,
                )
            )
        return VacationPlan(
            False,
            status,
            problems=tuple(problems),
            max_abs_deviation_hours=max_h,
            max_abs_deviation_vacations=max_v,
            solve_seconds=elapsed,
            **quality,
        )
    return VacationPlan(
        feasible=True,
        solver_status=status,
        assignments=assignments,
        deviations=lines,
        carry_over=carry,
        problems=tuple(problems),
        max_abs_deviation_hours=round(max_h, 4),
        max_abs_deviation_vacations=round(max_v, 4),
        solve_seconds=elapsed,
        **quality,
    )


def enumerate_period(inp: PlanInput) -> list[Vacation]:
    """Every vacation of the period for every device (closed ones carry their reason)."""
    return _prepare(inp).vacations


def greedy_plan(inp: PlanInput) -> VacationPlan:
    """Baseline without CP-SAT: chronological greedy (largest deficit first), same hard rules."""
    t0 = _time.perf_counter()
    problems = validate_input(inp)
    if problems:
        return VacationPlan(False, "INVALID_INPUT", problems=tuple(problems))
    ctx = _prepare(inp)
    problems = _structural_problems(ctx)
    if any(p.severity == "error" for p in problems):
        return VacationPlan(False, "INFEASIBLE_INPUT", problems=tuple(problems))
    decision = [
        v
        for v in ctx.vacations
        if not v.closed_reason and ctx.eligible[v.id] and _staffable(ctx, v)
    ]
    assignments, lines, carry, max_h, max_v = _report(ctx, _greedy(ctx, decision))
    return VacationPlan(
        True,
        "GREEDY",
        assignments,
        lines,
        carry,
        tuple(problems),
        round(max_h, 4),
        round(max_v, 4),
        _time.perf_counter() - t0,
    )
