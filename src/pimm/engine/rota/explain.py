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

from pimm.engine.i18n import Message, join
from pimm.engine.i18n import message as _

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
    WEEKNIGHT: "nuit du %(date)s",
    WEEKEND_DAY: "journée de week-end du %(date)s",
    WEEKEND_NIGHT: "nuit de week-end du %(date)s",
    HOLIDAY_DAY: "journée fériée du %(date)s",
    HOLIDAY_NIGHT: "nuit fériée du %(date)s",
}
_PERIOD_MSGIDS = (  # listed for makemessages: PERIOD_FR's values are msgids
    _("nuit du %(date)s", date=""),
    _("journée de week-end du %(date)s", date=""),
    _("nuit de week-end du %(date)s", date=""),
    _("journée fériée du %(date)s", date=""),
    _("nuit fériée du %(date)s", date=""),
    _("garde du %(date)s", date=""),
)
MONTHS_FR = (
    _("janvier"),
    _("février"),
    _("mars"),
    _("avril"),
    _("mai"),
    _("juin"),
    _("juillet"),
    _("août"),
    _("septembre"),
    _("octobre"),
    _("novembre"),
    _("décembre"),
)


def fr_date(d) -> str:
    return d.strftime("%d/%m/%Y")


def fr_shift(s: Shift) -> Message:
    return _(PERIOD_FR.get(s.category, "garde du %(date)s"), date=fr_date(s.date))


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


def _describe_run(problem: RotaProblem, run: list[Shift]) -> Message:
    line = _line_label(problem, run[0].line_id)
    if len(run) == 1:
        return _("Ligne %(line)s, %(shift)s", line=line, shift=fr_shift(run[0]))
    return _(
        "Ligne %(line)s, du %(first)s au %(last)s (%(n)s gardes)",
        line=line,
        first=fr_date(run[0].date),
        last=fr_date(run[-1].date),
        n=len(run),
    )


def precheck(problem: RotaProblem) -> list[str]:
    """Conflicts visible without search. An empty list means: go and solve."""

    out: list[str] = []
    total_share = sum(q.share_percent for q in problem.quotas)
    if total_share > 100.0 + 0.05:  # rounding of declared percentages
        detail = ", ".join(f"{q.member_id} {q.share_percent:g} %" for q in problem.quotas)
        out.append(
            _(
                "Les quotas de garde des membres totalisent %(total)s %%, plus de 100 %% "
                "(%(detail)s) : aucun tableau ne peut les respecter.",
                total=f"{total_share:g}",
                detail=detail,
            )
        )
    members = {p.member_id for p in problem.practitioners}
    for q in problem.quotas:
        if q.share_percent - q.tolerance_percent > 0 and q.member_id not in members:
            out.append(
                _(
                    "Le membre %(member)s doit assurer %(share)s %% des gardes "
                    "mais n'a aucun praticien inscrit au tableau.",
                    member=q.member_id,
                    share=f"{q.share_percent:g}",
                )
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
            need = (
                _("la compétence « %(competence)s »", competence=ln.competence)
                if ln.competence
                else _("les privilèges")
            )
            out.append(
                _(
                    "Ligne %(line)s : aucun praticien n'a %(need)s requise ; ses %(n)s "
                    "gardes ne peuvent pas être couvertes.",
                    line=ln.label,
                    need=need,
                    n=len(shifts),
                )
            )
            continue
        # Shifts where every competent practitioner is on leave, grouped into runs.
        blocked = []
        for s in shifts:
            if all(any(u.start <= s.date <= u.end for u in leave[p.id]) for p in comp):
                blocked.append(s)
        for run in _runs(blocked):
            out.append(
                _(
                    "%(run)s : aucun praticien compétent disponible (congés de %(names)s).",
                    run=_describe_run(problem, run),
                    names=_names(problem, [p.id for p in comp]),
                )
            )
    return out


def explain_infeasibility(problem: RotaProblem, seconds: float = 20.0) -> list[str]:
    """Find a small set of conflicting rule groups with CP-SAT assumptions and phrase it."""

    deadline = time.monotonic() + seconds
    bm = build(problem, assume=True, objective=False)
    core = _core(bm, bm.literals, max(1.0, seconds / 2))
    if core is None:
        return [
            _(
                "Aucun tableau trouvé dans le temps imparti, sans conflit identifié : "
                "relancer avec plus de temps."
            )
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
    for _line, shifts in sorted(by_line.items()):
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
                reasons.append(_("congés de %(names)s", names=_names(problem, on_leave)))
            capped = sorted({pid for pid, _month in nights_of if pid in {p.id for p in comp}})
            if capped:
                reasons.append(
                    _(
                        "plafond de %(n)s nuits par mois atteint pour %(names)s",
                        n=st.max_nights_per_month,
                        names=_names(problem, capped),
                    )
                )
            for kind, text in (
                ("rest", "repos de sécurité de %(names)s"),
                ("consecutive", "maximum de %(n)s jours de garde consécutifs pour %(names)s"),
                ("activity", "activité de jour de %(names)s"),
                ("overlap", "gardes simultanées de %(names)s"),
            ):
                who = [p.id for p in comp if kind in other_of.get(p.id, ())]
                if who:
                    params = {"names": _names(problem, who)}
                    if kind == "consecutive":
                        params["n"] = st.max_consecutive_duties
                    reasons.append(_(text, **params))
            if not reasons:
                who = _names(problem, [p.id for p in comp])
                reasons.append(
                    _("seuls %(n)s praticiens compétents (%(names)s)", n=len(comp), names=who)
                    if comp
                    else _("aucun praticien compétent")
                )
            out.append(
                _(
                    "%(run)s : aucun praticien compétent disponible (%(reasons)s).",
                    run=_describe_run(problem, run),
                    reasons=join(reasons),
                )
            )
    for g in kinds["quota"]:
        q = next((q for q in problem.quotas if q.member_id == g.member_id), None)
        if q is not None:
            out.append(
                _(
                    "Quota du membre %(member)s : %(share)s %% des points de garde "
                    "± %(tolerance)s %% ne peut pas être respecté avec les autres règles.",
                    member=q.member_id,
                    share=f"{q.share_percent:g}",
                    tolerance=f"{q.tolerance_percent:g}",
                )
            )
    for g in kinds["locked"]:
        s = shift_by_id.get(g.shift_id)
        where = (
            _("ligne %(line)s, %(shift)s", line=_line_label(problem, s.line_id), shift=fr_shift(s))
            if s
            else g.shift_id
        )
        out.append(
            _(
                "Cellule verrouillée : %(names)s sur %(where)s.",
                names=_names(problem, [g.practitioner_id]),
                where=where,
            )
        )
    for g in kinds["nights"]:
        if not by_line:
            y, mth = g.month
            out.append(
                _(
                    "Plafond de %(n)s nuits en %(month)s %(year)s pour %(names)s.",
                    n=st.max_nights_per_month,
                    month=MONTHS_FR[mth - 1],
                    year=y,
                    names=_names(problem, [g.practitioner_id]),
                )
            )
    if not out:
        out.append(
            _(
                "Les règles suivantes sont incompatibles : %(kinds)s.",
                kinds=", ".join(sorted({g.kind for g in groups})),
            )
        )
    return out
