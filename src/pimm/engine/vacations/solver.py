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

import math
import time as _time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce

from ortools.sat.python import cp_model

from .bounds import BP, min_max_deviation, min_sum_deviation
from .calendar import enumerate_vacations as _enumerate
from .calendar import french_holidays, month_key
from .model import (
    PART_LABELS_FR,
    CarryOver,
    DeviationLine,
    Device,
    PlanInput,
    PlanOptions,
    Problem,
    ShareScope,
    Status,
    Vacation,
    VacationAssignment,
    VacationPlan,
)

# shares are handled in basis points (BP, 1 % = 100); operating every staffable vacation is a
# hard constraint, the weights below rank the fairness terms.
W_MAX_DEV = 100
W_MAX_BAD = 10
W_SUM_DEV = 2
MONTH_SECONDS = 0.25  # per scope, for spreading the optimal counts over the months


def _fmt_h(hours: float) -> str:
    return f"{hours:.1f} h".replace(".", ",")


def _fmt_pct(p: float) -> str:
    return f"{p:g} %".replace(".", ",")


@dataclass
class _Ctx:
    inp: PlanInput
    devices: dict[str, Device]
    scope_of: dict[str, ShareScope]
    bp: dict[tuple[str, str], int]  # (scope, member) -> basis points
    carry: dict[tuple[str, str], float]  # (scope, member) -> hours
    vacations: list[Vacation] = field(default_factory=list)
    eligible: dict[str, tuple[str, ...]] = field(default_factory=dict)
    capacity: dict[tuple, int | None] = field(default_factory=dict)
    member_names: dict[str, str] = field(default_factory=dict)

    def member(self, member_id: str) -> str:
        return self.member_names.get(member_id, member_id)

    def scope_label(self, scope: ShareScope) -> str:
        if scope.label:
            return scope.label
        if len(scope.device_ids) == 1:
            return self.devices[scope.device_ids[0]].label
        return scope.code


def validate_input(inp: PlanInput) -> list[Problem]:
    """Input errors that make any plan meaningless (French messages)."""
    problems: list[Problem] = []
    device_ids = {d.id for d in inp.devices}
    if inp.end <= inp.start:
        problems.append(
            Problem("period", "La période est vide : la date de fin doit suivre le début.")
        )
    seen: dict[str, str] = {}
    known_members = {m.id for m in inp.members}
    for scope in inp.scopes:
        if not scope.device_ids:
            problems.append(
                Problem(
                    "scope",
                    f"La clé « {scope.code} » ne couvre aucun appareil.",
                    scope_code=scope.code,
                )
            )
        for dev in scope.device_ids:
            if dev not in device_ids:
                problems.append(
                    Problem(
                        "scope",
                        f"La clé « {scope.code} » cite un appareil inconnu : {dev}.",
                        scope_code=scope.code,
                        device_id=dev,
                    )
                )
            elif dev in seen:
                problems.append(
                    Problem(
                        "scope",
                        f"L'appareil {dev} figure dans deux clés de répartition "
                        f"(« {seen[dev]} » et « {scope.code} »).",
                        scope_code=scope.code,
                        device_id=dev,
                    )
                )
            else:
                seen[dev] = scope.code
        total = sum(s.percent for s in scope.shares)
        if abs(total - 100) > 0.01:
            problems.append(
                Problem(
                    "shares_sum",
                    f"Les parts de la convention pour « {scope.label or scope.code} » totalisent "
                    f"{_fmt_pct(round(total, 2))} et non 100 %.",
                    scope_code=scope.code,
                )
            )
        members = [s.member_id for s in scope.shares]
        if len(set(members)) != len(members):
            problems.append(
                Problem(
                    "shares_duplicate",
                    f"Un membre apparaît deux fois dans la clé « {scope.code} ».",
                    scope_code=scope.code,
                )
            )
        for s in scope.shares:
            if s.percent < 0:
                problems.append(
                    Problem(
                        "shares_negative",
                        f"Part négative pour {s.member_id} dans « {scope.code} ».",
                        scope_code=scope.code,
                        member_id=s.member_id,
                    )
                )
            if known_members and s.member_id not in known_members:
                problems.append(
                    Problem(
                        "member",
                        f"La clé « {scope.code} » cite un membre inconnu : {s.member_id}.",
                        scope_code=scope.code,
                        member_id=s.member_id,
                    )
                )
    for d in inp.devices:
        if d.merm_required < 0:
            problems.append(
                Problem("device", f"{d.id} : effectif MERM requis négatif.", device_id=d.id)
            )
    return problems


def _basis_points(scope: ShareScope) -> dict[str, int]:
    bp = {s.member_id: round(s.percent * 100) for s in scope.shares}
    if bp:
        residual = BP - sum(bp.values())
        if residual:
            biggest = max(bp, key=lambda m: (bp[m], m))
            bp[biggest] += residual
    return bp


def _prepare(inp: PlanInput) -> _Ctx:
    devices = {d.id: d for d in inp.devices}
    scope_of = {dev: scope for scope in inp.scopes for dev in scope.device_ids}
    bp: dict[tuple[str, str], int] = {}
    for scope in inp.scopes:
        for m, v in _basis_points(scope).items():
            bp[(scope.code, m)] = v
    carry: dict[tuple[str, str], float] = defaultdict(float)
    for c in inp.carry_over:
        carry[(c.scope_code, c.member_id)] += c.hours
    ctx = _Ctx(inp=inp, devices=devices, scope_of=scope_of, bp=bp, carry=carry)
    ctx.member_names = {m.id: m.label for m in inp.members}
    hol = french_holidays(inp.start, inp.end, inp.holiday_subdiv)
    for d in inp.devices:
        ctx.vacations.extend(
            _enumerate(d, inp.start, inp.end, hour_classes=inp.hour_classes, holiday_days=hol)
        )
    ctx.vacations.sort(key=lambda v: (v.start, v.device_id))

    # Staffing lookup: a date-specific entry wins over the weekly pattern; missing = 0 MERM.
    by_day: dict[tuple, int] = defaultdict(int)
    by_weekday: dict[tuple, int] = defaultdict(int)
    for s in inp.staffing or ():
        if s.day is not None:
            by_day[(s.site, s.day, s.part)] += s.merm
        elif s.weekday is not None:
            by_weekday[(s.site, s.weekday, s.part)] += s.merm
    presence_day = {(p.member_id, p.site, p.day, p.part) for p in inp.presence if p.day}
    presence_week = {
        (p.member_id, p.site, p.weekday, p.part) for p in inp.presence if p.weekday is not None
    }
    for v in ctx.vacations:
        key = (v.site, v.day, v.part)
        if inp.staffing is None:
            ctx.capacity[key] = None
        elif key not in ctx.capacity:
            ctx.capacity[key] = by_day.get(
                key, by_weekday.get((v.site, v.day.weekday(), v.part), 0)
            )
        scope = scope_of.get(v.device_id)
        if scope is None or v.closed_reason:
            ctx.eligible[v.id] = ()
            continue
        device = devices[v.device_id]
        members = []
        for s in scope.shares:
            if bp.get((scope.code, s.member_id), 0) <= 0:
                continue
            if device.requires_presence and not (
                (s.member_id, v.site, v.day, v.part) in presence_day
                or (s.member_id, v.site, v.day.weekday(), v.part) in presence_week
            ):
                continue
            members.append(s.member_id)
        ctx.eligible[v.id] = tuple(members)
    return ctx


def _staffable(ctx: _Ctx, v: Vacation) -> bool:
    cap = ctx.capacity[(v.site, v.day, v.part)]
    return cap is None or cap >= ctx.devices[v.device_id].merm_required


def _structural_problems(ctx: _Ctx) -> list[Problem]:
    """Shares that cannot be honoured whatever the solver does: too few hours, no staff."""
    problems: list[Problem] = []
    open_by_device_month: dict[tuple[str, str], list[Vacation]] = defaultdict(list)
    for v in ctx.vacations:
        if not v.closed_reason:
            open_by_device_month[(v.device_id, month_key(v.day))].append(v)
    for (dev, month), vs in sorted(open_by_device_month.items()):
        device = ctx.devices[dev]
        staffable = [v for v in vs if _staffable(ctx, v)]
        if not staffable:
            problems.append(
                Problem(
                    "staffing",
                    f"Appareil {device.label} ({device.site}), {month} : aucune des {len(vs)} "
                    f"vacations ouvertes ne peut être armée — il faut {device.merm_required} MERM "
                    f"par vacation et le site {device.site} n'en a pas assez.",
                    device_id=dev,
                    month=month,
                )
            )
        elif len(staffable) < len(vs):
            problems.append(
                Problem(
                    "staffing",
                    f"Appareil {device.label}, {month} : {len(vs) - len(staffable)} vacation(s) "
                    f"ouverte(s) sans MERM disponible sur le site {device.site}.",
                    severity="warning",
                    device_id=dev,
                    month=month,
                )
            )
        if device.requires_presence and ctx.scope_of.get(dev):
            orphan = [v for v in staffable if not ctx.eligible[v.id]]
            if orphan:
                problems.append(
                    Problem(
                        "presence",
                        f"Appareil {device.label}, {month} : {len(orphan)} vacation(s) sans "
                        f"radiologue d'aucun membre présent sur le site {device.site} "
                        "(présence exigée) ; elles restent non attribuées.",
                        severity="warning",
                        device_id=dev,
                        month=month,
                    )
                )
    for dev, device in ctx.devices.items():
        if dev not in ctx.scope_of:
            problems.append(
                Problem(
                    "scope",
                    f"L'appareil {device.label} n'a pas de clé de répartition : ses vacations "
                    "restent non attribuées.",
                    severity="warning",
                    device_id=dev,
                )
            )
    if any(p.severity == "error" for p in problems):
        return problems

    # Too few hours: a member's eligible time (presence) below its due share, per scope and month.
    for scope in ctx.inp.scopes:
        usable = [
            v
            for v in ctx.vacations
            if ctx.scope_of.get(v.device_id) is scope
            and not v.closed_reason
            and _staffable(ctx, v)
            and ctx.eligible[v.id]
        ]
        if not usable:
            continue
        mean_h = sum(v.hours for v in usable) / len(usable)
        total_h = sum(v.hours for v in usable)
        for s in scope.shares:
            share = ctx.bp.get((scope.code, s.member_id), 0) / BP
            if share <= 0:
                continue
            due = share * total_h - ctx.carry.get((scope.code, s.member_id), 0.0)
            mine = sum(v.hours for v in usable if s.member_id in ctx.eligible[v.id])
            forced = sum(v.hours for v in usable if ctx.eligible[v.id] == (s.member_id,))
            if mine < due - mean_h:
                months = defaultdict(lambda: [0.0, 0.0])
                for v in usable:
                    mk = month_key(v.day)
                    months[mk][0] += v.hours * share
                    if s.member_id in ctx.eligible[v.id]:
                        months[mk][1] += v.hours
                short = [
                    f"{mk} ({_fmt_h(got)} possibles pour {_fmt_h(want)} dues)"
                    for mk, (want, got) in sorted(months.items())
                    if got < want - 1e-9
                ]
                dev_ids = ", ".join(scope.device_ids)
                problems.append(
                    Problem(
                        "too_few_hours",
                        f"Clé « {ctx.scope_label(scope)} » ({dev_ids}) : le membre "
                        f"{ctx.member(s.member_id)} doit recevoir {_fmt_pct(s.percent)} du temps, "
                        f"soit {_fmt_h(due)}, mais seules {_fmt_h(mine)} lui sont possibles "
                        "(présence d'un de ses radiologues exigée sur le site). Mois en cause : "
                        + (", ".join(short) or "toute la période")
                        + ".",
                        scope_code=scope.code,
                        member_id=s.member_id,
                        month=short[0][:7] if short else None,
                    )
                )
            elif forced > due + mean_h:
                problems.append(
                    Problem(
                        "too_many_hours",
                        f"Clé « {ctx.scope_label(scope)} » : {_fmt_h(forced)} de vacations ne "
                        f"peuvent aller qu'au membre {ctx.member(s.member_id)} (seul présent), "
                        f"pour {_fmt_h(due)} dues au titre de sa part de {_fmt_pct(s.percent)}.",
                        scope_code=scope.code,
                        member_id=s.member_id,
                    )
                )
    return problems


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
            where = f" ; écart le plus fort en {months[0].month}" if months else ""
            problems.append(
                Problem(
                    "deviation",
                    f"Clé « {ln.scope_code} » : l'écart du membre {ctx.member(ln.member_id)} "
                    f"à sa part ({_fmt_pct(ln.share_percent)}) serait de "
                    f"{_fmt_h(ln.deviation_hours)} ({ln.deviation_vacations:.1f} vacation(s)), "
                    f"au-delà de la tolérance de {options.max_deviation_vacations:g} vacation"
                    f"{where}.",
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
