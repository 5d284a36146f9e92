"""Independent checker of a vacation plan: re-derives every hard rule from the raw input.

Deliberately shares no code with the solver (own holiday lookup, own closure, staffing, presence
and deviation arithmetic) so that a bug in one is caught by the other.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import holidays as holidays_lib

from .model import PlanInput, Status, VacationPlan, Violation


def _is_bad(inp: PlanInput, cal, v) -> bool:
    """Bad hours re-derived from the raw rules: a bad half-day, weekday, or a public holiday."""
    hc = inp.hour_classes
    return (
        v.part in hc.bad_parts
        or v.day.weekday() in hc.bad_weekdays
        or (hc.holidays_bad and v.day in cal)
    )


def check_plan(inp: PlanInput, plan: VacationPlan, *, tolerance_h: float = 1e-3) -> list[Violation]:
    out: list[Violation] = []
    if not plan.feasible:
        if plan.assignments:
            out.append(
                Violation("partial", "Un plan infaisable ne doit contenir aucune attribution.")
            )
        return out
    devices = {d.id: d for d in inp.devices}
    scope_of = {dev: s for s in inp.scopes for dev in s.device_ids}
    cal = holidays_lib.country_holidays(
        "FR", subdiv=inp.holiday_subdiv, years=range(inp.start.year, inp.end.year + 1)
    )
    seen: set[str] = set()
    load: dict[tuple, int] = defaultdict(int)
    for a in plan.assignments:
        v = a.vacation
        if v.id in seen:
            out.append(Violation("duplicate", f"Vacation {v.id} listée deux fois.", v.id))
        seen.add(v.id)
        if a.status is not Status.ASSIGNED:
            if a.member_id is not None:
                out.append(Violation("status", f"{v.id} non attribuée mais avec un membre.", v.id))
            continue
        d = devices.get(v.device_id)
        if d is None:
            out.append(Violation("device", f"{v.id} : appareil inconnu.", v.id))
            continue
        if not inp.start <= v.day < inp.end:
            out.append(Violation("period", f"{v.id} hors de la période.", v.id))
        # opening hours
        match = [
            s
            for s in d.sessions
            if s.weekday == v.day.weekday() and s.part == v.part and s.start == v.start.time()
        ]
        if not match:
            out.append(Violation("closed", f"{v.id} : hors des heures d'ouverture.", v.id))
        else:
            s = match[0]
            end = datetime.combine(v.day, s.end)
            if end <= v.start:
                end += timedelta(days=1)
            if end != v.end or v.start != datetime.combine(v.day, s.start):
                out.append(
                    Violation("closed", f"{v.id} : bornes différentes de l'ouverture.", v.id)
                )
        if v.day in cal and not d.open_on_holidays:
            out.append(Violation("closed", f"{v.id} attribuée un jour férié.", v.id))
        for c in d.closures:
            if c.start < v.end and v.start < c.end:
                out.append(Violation("closed", f"{v.id} attribuée pendant « {c.reason} ».", v.id))
        # member holds a share on this device
        scope = scope_of.get(d.id)
        shares = {s.member_id: s.percent for s in scope.shares} if scope else {}
        if shares.get(a.member_id, 0) <= 0:
            out.append(
                Violation(
                    "share", f"{v.id} attribuée à {a.member_id}, sans part sur l'appareil.", v.id
                )
            )
        # radiologist presence
        if d.requires_presence:
            ok = any(
                p.member_id == a.member_id
                and p.site == d.site
                and p.part == v.part
                and (p.day == v.day if p.day is not None else p.weekday == v.day.weekday())
                for p in inp.presence
            )
            if not ok:
                out.append(
                    Violation(
                        "presence",
                        f"{v.id} : aucun radiologue de {a.member_id} présent sur {d.site}.",
                        v.id,
                    )
                )
        load[(d.site, v.day, v.part)] += d.merm_required
    if inp.staffing is not None:
        for (site, day, part), need in sorted(load.items()):
            dated = [
                s.merm for s in inp.staffing if s.site == site and s.part == part and s.day == day
            ]
            if dated:
                have = sum(dated)
            else:
                have = sum(
                    s.merm
                    for s in inp.staffing
                    if s.site == site
                    and s.part == part
                    and s.day is None
                    and s.weekday == day.weekday()
                )
            if need > have:
                out.append(
                    Violation(
                        "staffing",
                        f"Site {site}, {day} {part} : {need} MERM nécessaires, {have} disponibles.",
                    )
                )
    # deviations recomputed from scratch
    carry = defaultdict(float)
    for c in inp.carry_over:
        carry[(c.scope_code, c.member_id)] += c.hours
    reported = {(ln.scope_code, ln.member_id): ln for ln in plan.deviations if ln.month is None}
    for scope in inp.scopes:
        ops = [
            a
            for a in plan.assignments
            if a.status is Status.ASSIGNED and a.vacation.device_id in scope.device_ids
        ]
        total = sum(a.vacation.minutes for a in ops) / 60
        bad_total = sum(a.vacation.minutes for a in ops if _is_bad(inp, cal, a.vacation)) / 60
        for s in scope.shares:
            got = sum(a.vacation.minutes for a in ops if a.member_id == s.member_id) / 60
            dev = got - s.percent / 100 * total + carry[(scope.code, s.member_id)]
            line = reported.get((scope.code, s.member_id))
            bad = (
                sum(
                    a.vacation.minutes
                    for a in ops
                    if a.member_id == s.member_id and _is_bad(inp, cal, a.vacation)
                )
                / 60
            )
            if line is not None and (
                abs(line.bad_hours - bad) > tolerance_h
                or abs(line.bad_target_hours - s.percent / 100 * bad_total) > tolerance_h
            ):
                out.append(
                    Violation(
                        "bad_hours",
                        f"Horaires contraignants annoncés {line.bad_hours:.3f} h (cible "
                        f"{line.bad_target_hours:.3f} h) pour {s.member_id} sur {scope.code}, "
                        f"recalculés {bad:.3f} h (cible {s.percent / 100 * bad_total:.3f} h).",
                    )
                )
            if line is None:
                out.append(
                    Violation("deviation", f"Écart manquant : {scope.code} / {s.member_id}.")
                )
            elif abs(line.deviation_hours - dev) > tolerance_h + total * 1e-4:
                out.append(
                    Violation(
                        "deviation",
                        f"Écart annoncé {line.deviation_hours:.3f} h pour {s.member_id} sur "
                        f"{scope.code}, recalculé {dev:.3f} h.",
                    )
                )
    return out
