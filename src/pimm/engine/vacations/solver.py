"""CP-SAT vacation planner: give each member its convention share of each device's (or pool's) time.

Hard rules: a vacation goes to at most one member; never on a closed/maintenance/holiday vacation;
never more device vacations on a site and half-day than its MERM can staff; a device flagged
`requires_presence` goes only to a member with one of its radiologists present on that site.
Every open vacation that has an eligible member and staff is assigned.

Objective (weighted, most important first): operate as many vacations as staffing allows; minimise
the largest |deviation| from shares (carried-in deviation included) over all members and scopes;
minimise the largest spread of bad hours; then the sum of deviations and of monthly deviations.
"""

from __future__ import annotations

import math
import time as _time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce

from ortools.sat.python import cp_model

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

BP = 10_000  # shares are handled in basis points (1 % = 100)
W_UNOPERATED = 1_000
W_MAX_DEV = 100
W_MAX_BAD = 10
W_SUM_DEV = 2
W_MONTH_DEV = 1


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


def _solve(ctx: _Ctx, decision: list[Vacation], hint: dict[str, str], options: PlanOptions):
    unit = reduce(math.gcd, (v.minutes for v in decision), 0) or 1
    model = cp_model.CpModel()
    x: dict[tuple[str, str], cp_model.IntVar] = {}
    groups: dict[tuple, list[Vacation]] = defaultdict(list)
    for v in decision:
        groups[(v.site, v.day, v.part)].append(v)
        for m in ctx.eligible[v.id]:
            x[(v.id, m)] = model.new_bool_var(f"x[{v.id},{m}]")
            model.add_hint(x[(v.id, m)], hint.get(v.id) == m)
    unoperated = []
    for key, vs in groups.items():
        cap = ctx.capacity[key]
        demand = sum(ctx.devices[v.device_id].merm_required for v in vs)
        contested = cap is not None and demand > cap
        for v in vs:
            terms = [x[(v.id, m)] for m in ctx.eligible[v.id]]
            if contested:
                model.add(sum(terms) <= 1)
                unoperated.append((v.minutes // unit) * (1 - sum(terms)))
            else:
                model.add_exactly_one(terms)
        if contested:
            model.add(
                sum(
                    ctx.devices[v.device_id].merm_required * x[(v.id, m)]
                    for v in vs
                    for m in ctx.eligible[v.id]
                )
                <= cap
            )

    by_scope: dict[str, list[Vacation]] = defaultdict(list)
    for v in decision:
        by_scope[ctx.scope_of[v.device_id].code].append(v)
    scopes = {s.code: s for s in ctx.inp.scopes}
    z = model.new_int_var(0, 10**15, "max_dev")
    zb = model.new_int_var(0, 10**15, "max_bad_dev")
    sum_terms = []
    month_terms = []

    def abs_of(expr, bound: int, name: str):
        a = model.new_int_var(0, bound, name)
        model.add(a >= expr)
        model.add(a >= -expr)
        return a

    for code, vs in by_scope.items():
        members = [s.member_id for s in scopes[code].shares if ctx.bp[(code, s.member_id)] > 0]
        u = {v.id: v.minutes // unit for v in vs}
        total_units = sum(u.values())
        bound = BP * (total_units + 1) + int(
            sum(abs(ctx.carry.get((code, m), 0.0)) for m in members) * 60 / unit * BP
        )
        a = {m: sum(u[v.id] * x[(v.id, m)] for v in vs if (v.id, m) in x) for m in members}
        t = sum(a.values())
        bad_vs = [v for v in vs if v.bad]
        b = {m: sum(u[v.id] * x[(v.id, m)] for v in bad_vs if (v.id, m) in x) for m in members}
        bt = sum(b.values())
        months: dict[str, list[Vacation]] = defaultdict(list)
        for v in vs:
            months[month_key(v.day)].append(v)
        for m in members:
            carry_units = round(ctx.carry.get((code, m), 0.0) * 60 / unit * BP)
            dev = BP * a[m] - ctx.bp[(code, m)] * t + carry_units
            d = abs_of(dev, bound, f"dev[{code},{m}]")
            model.add(z >= d)
            sum_terms.append(d)
            if bad_vs:
                bd = abs_of(BP * b[m] - ctx.bp[(code, m)] * bt, bound, f"bad[{code},{m}]")
                model.add(zb >= bd)
            for mk, mvs in months.items():
                am = sum(u[v.id] * x[(v.id, m)] for v in mvs if (v.id, m) in x)
                tm = sum(u[v.id] * x[(v.id, mm)] for v in mvs for mm in ctx.eligible[v.id])
                month_terms.append(
                    abs_of(BP * am - ctx.bp[(code, m)] * tm, bound, f"mdev[{code},{m},{mk}]")
                )
    model.minimize(
        W_UNOPERATED * BP * sum(unoperated)
        + W_MAX_DEV * z
        + W_MAX_BAD * zb
        + W_SUM_DEV * sum(sum_terms)
        + W_MONTH_DEV * sum(month_terms)
    )
    # Complete the greedy hint (objective and auxiliary variables) with a quick solve where the
    # decisions are fixed to the hint, then hint every variable: workers start from a full
    # solution instead of possibly ignoring a partial hint.
    t0 = _time.perf_counter()
    fixer = cp_model.CpSolver()
    fixer.parameters.fix_variables_to_their_hinted_value = True
    fixer.parameters.max_time_in_seconds = max(1.0, options.time_limit_s / 4)
    fixer.parameters.num_workers = 1
    if fixer.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        n_vars = len(model.proto.variables)
        values = [fixer.value(model.get_int_var_from_proto_index(i)) for i in range(n_vars)]
        model.clear_hints()
        for i, val in enumerate(values):
            model.add_hint(model.get_int_var_from_proto_index(i), val)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(
        0.5, options.time_limit_s - (_time.perf_counter() - t0)
    )
    solver.parameters.num_workers = max(1, options.workers)
    solver.parameters.random_seed = options.seed
    status = solver.solve(model)
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return name, None
    chosen: dict[str, str] = {}
    for (vid, m), var in x.items():
        if solver.boolean_value(var):
            chosen[vid] = m
    return name, chosen


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
    status, chosen = _solve(ctx, decision, hint, options) if decision else ("OPTIMAL", {})
    if chosen is None:  # time limit hit before the solver found anything: keep the greedy plan
        status, chosen = f"GREEDY ({status})", hint
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
