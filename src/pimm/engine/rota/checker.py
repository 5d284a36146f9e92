"""Independent checker of a rota: every hard rule, re-derived from the dataclasses alone.

It shares no logic with the model builder in ``solver.py`` (only the input dataclasses), so a
bug in one is caught by the other. Every engine test runs it on every solution; the ``planning``
app runs it before applying a swap or a give-away (:func:`check_change`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from .model import Assignment, RotaProblem, Violation

_NIGHTS = ("weeknight", "weekend_night", "holiday_night")


def _d(x) -> str:
    return x.strftime("%d/%m/%Y")


def check_rota(problem: RotaProblem, assignments) -> list[Violation]:
    """All hard-rule violations of ``assignments`` (an iterable of Assignment)."""
    assignments = list(assignments)
    out: list[Violation] = []
    shifts = {s.id: s for s in problem.shifts}
    lines = {ln.id: ln for ln in problem.lines}
    people = {p.id: p for p in problem.practitioners}
    st = problem.settings

    def name(pid):
        p = people.get(pid)
        return p.name or p.id if p else pid

    def where(s):
        ln = lines.get(s.line_id)
        return f"ligne {ln.name or ln.id if ln else s.line_id}, {s.category} du {_d(s.date)}"

    holders = defaultdict(list)
    for a in assignments:
        if a.shift_id not in shifts:
            out.append(Violation("unknown", f"Garde inconnue {a.shift_id}.", (a.shift_id,)))
            continue
        if a.practitioner_id not in people:
            out.append(
                Violation(
                    "unknown",
                    f"Praticien inconnu {a.practitioner_id}.",
                    (a.shift_id,),
                    a.practitioner_id,
                )
            )
            continue
        holders[a.shift_id].append(a.practitioner_id)

    # Coverage: exactly one practitioner per shift.
    for sid, s in shifts.items():
        n = len(holders.get(sid, []))
        if n != 1:
            out.append(
                Violation(
                    "coverage",
                    f"{where(s).capitalize()} : {n} praticien(s) au lieu d'un seul.",
                    (sid,),
                )
            )

    mine = defaultdict(list)
    for sid, pids in holders.items():
        for pid in pids:
            mine[pid].append(shifts[sid])

    for pid, duties in mine.items():
        p = people[pid]
        duties.sort(key=lambda s: s.start)
        for s in duties:
            ln = lines.get(s.line_id)
            if ln is None:
                out.append(Violation("unknown", f"Ligne inconnue {s.line_id}.", (s.id,), pid))
                continue
            if ln.competence and ln.competence not in p.competences:
                out.append(
                    Violation(
                        "competence",
                        f"{name(pid)} n'a pas la compétence « {ln.competence} » ({where(s)}).",
                        (s.id,),
                        pid,
                    )
                )
            if p.sites is not None and ln.site_ids and not (set(ln.site_ids) & set(p.sites)):
                out.append(
                    Violation(
                        "competence",
                        f"{name(pid)} n'a pas de privilèges sur les sites de la {where(s)}.",
                        (s.id,),
                        pid,
                    )
                )
            for u in problem.unavailabilities:
                if u.practitioner_id == pid and u.start <= s.date <= u.end:
                    out.append(
                        Violation(
                            "leave", f"{name(pid)} est en {u.reason} ({where(s)}).", (s.id,), pid
                        )
                    )
        # Overlaps and rest, pairwise on the sorted duties.
        for i, a in enumerate(duties):
            rest_end = None
            ln = lines.get(a.line_id)
            if a.category in _NIGHTS and (
                ln is None or ln.kind != "astreinte" or st.rest_after_astreinte
            ):
                rest_end = a.end + timedelta(hours=st.rest_hours)
            for b in duties[i + 1 :]:
                if b.start < a.end:
                    out.append(
                        Violation(
                            "overlap",
                            f"{name(pid)} tient deux gardes en même "
                            f"temps ({where(a)} ; {where(b)}).",
                            (a.id, b.id),
                            pid,
                        )
                    )
                elif rest_end is not None and b.start < rest_end:
                    out.append(
                        Violation(
                            "rest",
                            f"Repos de sécurité non respecté pour "
                            f"{name(pid)} : {where(b)} après la {where(a)}.",
                            (a.id, b.id),
                            pid,
                        )
                    )
            for act in problem.day_activities:
                if act.practitioner_id != pid:
                    continue
                if a.start < act.end and act.start < a.end:
                    out.append(
                        Violation(
                            "activity",
                            f"{name(pid)} a une activité de jour pendant la {where(a)}.",
                            (a.id,),
                            pid,
                        )
                    )
                elif rest_end is not None and a.end <= act.start < rest_end:
                    out.append(
                        Violation(
                            "rest",
                            f"Repos de sécurité non respecté pour "
                            f"{name(pid)} : activité de jour le {_d(act.start)} "
                            f"après la {where(a)}.",
                            (a.id,),
                            pid,
                        )
                    )
        # Consecutive duty days.
        days = sorted({s.date for s in duties})
        run = 1
        for prev, cur in zip(days, days[1:], strict=False):
            run = run + 1 if cur - prev == timedelta(days=1) else 1
            if run == st.max_consecutive_duties + 1:
                out.append(
                    Violation(
                        "consecutive",
                        f"{name(pid)} : plus de "
                        f"{st.max_consecutive_duties} jours de garde consécutifs "
                        f"(jusqu'au {_d(cur)}).",
                        (),
                        pid,
                    )
                )
        # Nights per month.
        nights = defaultdict(int)
        for s in duties:
            if s.category in _NIGHTS:
                nights[s.date.year, s.date.month] += 1
        for (y, m), n in sorted(nights.items()):
            if n > st.max_nights_per_month:
                out.append(
                    Violation(
                        "nights",
                        f"{name(pid)} : {n} nuits en {m:02d}/{y}, plus que "
                        f"le plafond de {st.max_nights_per_month}.",
                        (),
                        pid,
                    )
                )

    # Locked cells.
    for a in problem.locked:
        if a.practitioner_id not in holders.get(a.shift_id, []):
            out.append(
                Violation(
                    "locked",
                    f"Cellule verrouillée modifiée : {name(a.practitioner_id)} sur {a.shift_id}.",
                    (a.shift_id,),
                    a.practitioner_id,
                )
            )

    # Member quotas on the period's points.
    if problem.quotas:
        worth = _worth(problem)
        member_pts = defaultdict(float)
        total = sum(worth.values())
        for sid, pids in holders.items():
            for pid in pids:
                member_pts[people[pid].member_id] += worth[sid]
        for q in problem.quotas:
            share = 100.0 * member_pts[q.member_id] / total if total else 0.0
            if abs(share - q.share_percent) > q.tolerance_percent + 1e-9:
                out.append(
                    Violation(
                        "quota",
                        f"Le membre {q.member_id} assure {share:.1f} % des "
                        f"points, hors de {q.share_percent:g} % ± "
                        f"{q.tolerance_percent:g} %.",
                        (),
                    )
                )
    return out


def _worth(problem: RotaProblem) -> dict[str, float]:
    """Points of each shift: its category's weight times its line kind's factor."""
    st = problem.settings
    kind = {ln.id: ln.kind for ln in problem.lines}
    return {
        s.id: st.points.get(s.category, 0.0) * st.kind_factors.get(kind.get(s.line_id), 1.0)
        for s in problem.shifts
    }


@dataclass(frozen=True)
class Fairness:
    points: dict[str, float]
    normalised: dict[str, float]
    spread: float
    gini: float


def fairness(problem: RotaProblem, assignments) -> Fairness:
    """Recompute points, normalised loads, spread and Gini (independently of points.py)."""
    worth = _worth(problem)
    pts = {p.id: 0.0 for p in problem.practitioners}
    for a in assignments:
        pts[a.practitioner_id] += worth[a.shift_id]
    norm = {
        p.id: (pts[p.id] + problem.carried_points.get(p.id, 0.0)) / p.working_time
        for p in problem.practitioners
    }
    vals = list(norm.values())
    n = len(vals)
    mean = sum(vals) / n if n else 0.0
    # Gini as mean absolute difference over twice the mean.
    g = sum(abs(a - b) for a in vals for b in vals) / (2 * n * n * mean) if mean > 0 else 0.0
    return Fairness(pts, norm, (max(vals) - min(vals)) if vals else 0.0, g)


@dataclass(frozen=True)
class Swap:
    """Two practitioners exchange their duties on two shifts."""

    shift_a: str
    shift_b: str


@dataclass(frozen=True)
class GiveAway:
    """The holder of ``shift_id`` hands it over to ``to_practitioner``."""

    shift_id: str
    to_practitioner: str


def apply_change(assignments, change: Swap | GiveAway) -> list[Assignment]:
    holder = {a.shift_id: a.practitioner_id for a in assignments}
    if isinstance(change, Swap):
        pa, pb = holder[change.shift_a], holder[change.shift_b]
        holder[change.shift_a], holder[change.shift_b] = pb, pa
    else:
        holder[change.shift_id] = change.to_practitioner
    return [Assignment(s, p) for s, p in holder.items()]


def check_change(problem: RotaProblem, assignments, change: Swap | GiveAway) -> list[str]:
    """French messages for the hard rules the change would break (rules already broken before
    the change are not blamed on it). Empty list: the change may be applied."""
    assignments = list(assignments)
    holder = {a.shift_id: a.practitioner_id for a in assignments}
    for sid in (change.shift_a, change.shift_b) if isinstance(change, Swap) else (change.shift_id,):
        if sid not in holder:
            return [f"La garde {sid} n'est pas attribuée dans ce tableau."]
    if isinstance(change, Swap) and holder[change.shift_a] == holder[change.shift_b]:
        return ["Les deux gardes sont tenues par le même praticien : rien à échanger."]
    locked = {a.shift_id for a in problem.locked}
    touched = {change.shift_a, change.shift_b} if isinstance(change, Swap) else {change.shift_id}
    msgs = [
        f"La garde {sid} est verrouillée par le coordinateur." for sid in sorted(touched & locked)
    ]
    before = {v.message for v in check_rota(problem, assignments)}
    after = check_rota(problem, apply_change(assignments, change))
    msgs += [v.message for v in after if v.message not in before and v.rule != "locked"]
    return msgs
