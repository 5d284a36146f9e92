"""Say in French why no rota exists, naming lines, dates, practitioners and rules.

Two stages: ``precheck`` catches the obvious cases before any search (a line nobody is competent
for, quotas over 100 %, shifts with every competent practitioner on leave); then
``explain_infeasibility`` puts every rule group behind a CP-SAT assumption literal, asks the
solver for a sufficient set of assumptions, shrinks it, and phrases the groups it contains.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import timedelta

from ortools.sat.python import cp_model

from .model import (
    HOLIDAY_DAY,
    HOLIDAY_NIGHT,
    WEEKEND_DAY,
    WEEKEND_NIGHT,
    WEEKNIGHT,
    RotaProblem,
    Shift,
)
from .rules import build, competent

PERIOD_FR = {
    WEEKNIGHT: "nuit du",
    WEEKEND_DAY: "journée de week-end du",
    WEEKEND_NIGHT: "nuit de week-end du",
    HOLIDAY_DAY: "journée fériée du",
    HOLIDAY_NIGHT: "nuit fériée du",
}
MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def fr_date(d) -> str:
    return d.strftime("%d/%m/%Y")


def fr_shift(s: Shift) -> str:
    return f"{PERIOD_FR.get(s.category, 'garde du')} {fr_date(s.date)}"


def _names(problem: RotaProblem, ids) -> str:
    label = {p.id: p.label for p in problem.practitioners}
    return ", ".join(sorted(label.get(i, i) for i in ids))


def _line_label(problem: RotaProblem, line_id: str) -> str:
    for ln in problem.lines:
        if ln.id == line_id:
            return ln.label
    return line_id


def _runs(shifts: list[Shift]) -> list[list[Shift]]:
    """Group shifts of one line into runs of consecutive dates."""
    runs: list[list[Shift]] = []
    for s in sorted(shifts, key=lambda s: s.start):
        if runs and (s.date - runs[-1][-1].date) <= timedelta(days=1):
            runs[-1].append(s)
        else:
            runs.append([s])
    return runs


def _describe_run(problem: RotaProblem, run: list[Shift]) -> str:
    line = _line_label(problem, run[0].line_id)
    if len(run) == 1:
        return f"Ligne {line}, {fr_shift(run[0])}"
    return f"Ligne {line}, du {fr_date(run[0].date)} au {fr_date(run[-1].date)} ({len(run)} gardes)"


def precheck(problem: RotaProblem) -> list[str]:
    """Conflicts visible without search. An empty list means: go and solve."""

    out: list[str] = []
    total_share = sum(q.share_percent for q in problem.quotas)
    if total_share > 100.0 + 0.05:  # rounding of declared percentages
        detail = ", ".join(f"{q.member_id} {q.share_percent:g} %" for q in problem.quotas)
        out.append(
            f"Les quotas de garde des membres totalisent {total_share:g} %, plus de 100 % "
            f"({detail}) : aucun tableau ne peut les respecter."
        )
    members = {p.member_id for p in problem.practitioners}
    for q in problem.quotas:
        if q.share_percent - q.tolerance_percent > 0 and q.member_id not in members:
            out.append(
                f"Le membre {q.member_id} doit assurer {q.share_percent:g} % des gardes "
                "mais n'a aucun praticien inscrit au tableau."
            )
    shifts_by_line = defaultdict(list)
    for s in problem.shifts:
        shifts_by_line[s.line_id].append(s)
    leave = defaultdict(list)
    for u in problem.unavailabilities:
        leave[u.practitioner_id].append(u)
    for ln in problem.lines:
        shifts = shifts_by_line.get(ln.id, [])
        if not shifts:
            continue
        comp = list(competent(problem, shifts[0]))
        if not comp:
            need = f"la compétence « {ln.competence} »" if ln.competence else "les privilèges"
            out.append(
                f"Ligne {ln.label} : aucun praticien n'a {need} requise ; ses {len(shifts)} "
                "gardes ne peuvent pas être couvertes."
            )
            continue
        # Shifts where every competent practitioner is on leave, grouped into runs.
        blocked = []
        for s in shifts:
            if all(any(u.start <= s.date <= u.end for u in leave[p.id]) for p in comp):
                blocked.append(s)
        for run in _runs(blocked):
            out.append(
                f"{_describe_run(problem, run)} : aucun praticien compétent disponible "
                f"(congés de {_names(problem, [p.id for p in comp])})."
            )
    return out


def explain_infeasibility(problem: RotaProblem, seconds: float = 20.0) -> list[str]:
    """Find a small set of conflicting rule groups with CP-SAT assumptions and phrase it."""

    deadline = time.monotonic() + seconds
    bm = build(problem, assume=True, objective=False)
    core = _core(bm, bm.literals, max(1.0, seconds / 2))
    if core is None:
        return [
            "Aucun tableau trouvé dans le temps imparti, sans conflit identifié : "
            "relancer avec plus de temps."
        ]
    # Deletion-based shrinking while time remains (cheap on small cores).
    if len(core) <= 60:
        i = 0
        while i < len(core) and time.monotonic() < deadline:
            trial = core[:i] + core[i + 1 :]
            left = max(0.2, min(2.0, deadline - time.monotonic()))
            sub = _core(bm, trial, left)
            if sub is not None:
                core = [c for c in trial if c.index in {s.index for s in sub}] or trial
            else:
                i += 1
    return phrase(problem, [bm.groups[b.index] for b in core])


def _core(bm, literals, seconds):
    """A sufficient subset of ``literals`` that is infeasible, or None if not proven."""
    bm.model.clear_assumptions()
    bm.model.add_assumptions(literals)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 1
    status = solver.solve(bm.model)
    if status != cp_model.INFEASIBLE:
        return None
    keep = set(solver.sufficient_assumptions_for_infeasibility())
    return [b for b in literals if b.index in keep] or list(literals)


def phrase(problem: RotaProblem, groups) -> list[str]:

    shift_by_id = {s.id: s for s in problem.shifts}
    kinds = defaultdict(list)
    for g in groups:
        kinds[g.kind].append(g)
    leave_of = {g.practitioner_id for g in kinds["leave"]}
    leave_items = defaultdict(list)
    for u in problem.unavailabilities:
        leave_items[u.practitioner_id].append(u)
    nights_of = {(g.practitioner_id, g.month) for g in kinds["nights"]}
    other_of = defaultdict(set)
    for kind in ("rest", "consecutive", "overlap", "activity"):
        for g in kinds[kind]:
            other_of[g.practitioner_id].add(kind)
    st = problem.settings
    out: list[str] = []
    # Coverage: group the shifts of each line into runs, with the reasons of each run.
    by_line = defaultdict(list)
    for g in kinds["coverage"]:
        s = shift_by_id.get(g.shift_id)
        if s is not None:
            by_line[s.line_id].append(s)
    for _, shifts in sorted(by_line.items()):
        for run in _runs(shifts):
            comp = list(competent(problem, run[0]))
            reasons = []
            on_leave = [
                p.id
                for p in comp
                if p.id in leave_of
                and any(u.start <= s.date <= u.end for s in run for u in leave_items[p.id])
            ]
            if on_leave:
                reasons.append(f"congés de {_names(problem, on_leave)}")
            capped = sorted({pid for pid, _ in nights_of if pid in {p.id for p in comp}})
            if capped:
                reasons.append(
                    f"plafond de {st.max_nights_per_month} nuits par mois atteint pour "
                    f"{_names(problem, capped)}"
                )
            for kind, text in (
                ("rest", "repos de sécurité de"),
                (
                    "consecutive",
                    f"maximum de {st.max_consecutive_duties} jours de garde consécutifs pour",
                ),
                ("activity", "activité de jour de"),
                ("overlap", "gardes simultanées de"),
            ):
                who = [p.id for p in comp if kind in other_of.get(p.id, ())]
                if who:
                    reasons.append(f"{text} {_names(problem, who)}")
            if not reasons:
                who = _names(problem, [p.id for p in comp])
                reasons.append(
                    f"seuls {len(comp)} praticiens compétents ({who})"
                    if comp
                    else "aucun praticien compétent"
                )
            out.append(
                f"{_describe_run(problem, run)} : aucun praticien compétent disponible "
                f"({' ; '.join(reasons)})."
            )
    for g in kinds["quota"]:
        q = next((q for q in problem.quotas if q.member_id == g.member_id), None)
        if q is not None:
            out.append(
                f"Quota du membre {q.member_id} : {q.share_percent:g} % des points de garde "
                f"± {q.tolerance_percent:g} % ne peut pas être respecté avec les autres règles."
            )
    for g in kinds["locked"]:
        s = shift_by_id.get(g.shift_id)
        where = f"ligne {_line_label(problem, s.line_id)}, {fr_shift(s)}" if s else g.shift_id
        out.append(f"Cellule verrouillée : {_names(problem, [g.practitioner_id])} sur {where}.")
    for g in kinds["nights"]:
        if not by_line:
            y, mth = g.month
            out.append(
                f"Plafond de {st.max_nights_per_month} nuits en {MONTHS_FR[mth - 1]} {y} pour "
                f"{_names(problem, [g.practitioner_id])}."
            )
    if not out:
        out.append(
            "Les règles suivantes sont incompatibles : "
            + ", ".join(sorted({g.kind for g in groups}))
            + "."
        )
    return out
