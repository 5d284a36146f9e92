"""A constructive rota used as a CP-SAT solution hint.

Shifts are taken in time order (the scarcest line first at equal times) and each goes to the
eligible practitioner with the lowest normalised load who breaks no hard rule, preferring the
previous holder in a re-solve and respecting wishes. It can dead-end on tight instances; the
solver then repairs the partial hint. Quotas are only steered, not enforced.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from .model import ASTREINTE, RotaProblem


def greedy_rota(problem: RotaProblem, eligible: dict[str, list[str]]) -> dict[str, str]:
    """``eligible`` maps shift id -> practitioner ids allowed (competence, leave, activities).
    Returns shift id -> practitioner id for the shifts it could staff."""
    st = problem.settings
    rest = timedelta(hours=st.rest_hours)
    people = {p.id: p for p in problem.practitioners}
    kind = {ln.id: ln.kind for ln in problem.lines}
    pts = st.points
    load = {p.id: float(problem.carried_points.get(p.id, 0.0)) for p in problem.practitioners}
    member_load: dict[str, float] = defaultdict(float)
    quota = {q.member_id: q.share_percent / 100.0 for q in problem.quotas}
    busy: dict[str, list] = defaultdict(list)  # practitioner -> [(start, end_with_rest, end)]
    days: dict[str, set] = defaultdict(set)
    nights: dict[tuple, int] = defaultdict(int)
    previous = {a.shift_id: a.practitioner_id for a in problem.previous}
    locked = {a.shift_id: a.practitioner_id for a in problem.locked}
    wish = defaultdict(float)
    for pr in problem.preferences:
        if pr.date is not None:
            wish[pr.practitioner_id, pr.date] += pr.weight
    out: dict[str, str] = {}

    def fits(pid, s) -> bool:
        gives = s.is_night and (kind.get(s.line_id) != ASTREINTE or st.rest_after_astreinte)
        s_rest_end = s.end + (rest if gives else timedelta())
        for b_start, b_rest_end, b_end in busy[pid]:
            if s.start < b_end and b_start < s.end:
                return False
            if b_end <= s.start < b_rest_end:
                return False
            if s.end <= b_start < s_rest_end:
                return False
        if s.is_night and nights[pid, s.date.year, s.date.month] >= st.max_nights_per_month:
            return False
        if s.date not in days[pid]:
            run = 1
            d = s.date - timedelta(days=1)
            while d in days[pid]:
                run += 1
                d -= timedelta(days=1)
            d = s.date + timedelta(days=1)
            while d in days[pid]:
                run += 1
                d += timedelta(days=1)
            if run > st.max_consecutive_duties:
                return False
        return True

    def take(pid, s) -> None:
        gives_rest = s.is_night and (kind.get(s.line_id) != ASTREINTE or st.rest_after_astreinte)
        busy[pid].append((s.start, s.end + (rest if gives_rest else timedelta()), s.end))
        busy[pid].sort()
        days[pid].add(s.date)
        if s.is_night:
            nights[pid, s.date.year, s.date.month] += 1
        p = pts.get(s.category, 0.0)
        load[pid] += p
        member_load[people[pid].member_id] += p
        out[s.id] = pid

    # Time order, the scarcest line first at equal times (taking scarce lines first over the
    # whole year was tried: it balanced loads much worse on the demo).
    shifts = sorted(problem.shifts, key=lambda s: (s.start, len(eligible.get(s.id, ()))))
    for s in shifts:
        if s.id in locked:
            take(locked[s.id], s)
    for s in shifts:
        if s.id in out:
            continue
        best, best_key = None, None
        for pid in eligible.get(s.id, ()):
            if not fits(pid, s):
                continue
            p = people[pid]
            m = p.member_id
            # signed gap between the member's share so far and its quota
            done = sum(member_load.values()) or 1.0
            gap = member_load[m] / done - quota[m] if m in quota else 0.0
            key = (
                0 if previous.get(s.id) == pid else 1,
                load[pid] / p.working_time + 200.0 * gap - wish[pid, s.date],
            )
            if best_key is None or key < best_key:
                best, best_key = pid, key
        if best is not None:
            take(best, s)
    return out
