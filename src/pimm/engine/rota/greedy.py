"""A constructive rota used as a CP-SAT solution hint.

Shifts are taken in time order (the scarcest line first at equal times) and each goes to the
eligible practitioner who breaks no hard rule and is furthest behind: with ``shares`` (the
points of each line a practitioner should carry, from :func:`targets.line_shares`) the one
whose share of that line is least done, otherwise the lowest normalised load; the previous
holder first in a re-solve, and wishes as a nudge. It can dead-end on tight instances; the
solver then repairs the partial hint. Quotas are only steered, not enforced.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import timedelta

from .model import ASTREINTE, RotaProblem
from .points import shift_tenths
from .targets import quota_window


def greedy_rota(
    problem: RotaProblem,
    eligible: dict[str, list[str]],
    shares: dict[tuple[str, str], float] | None = None,
) -> dict[str, str]:
    """``eligible`` maps shift id -> practitioner ids allowed (competence, leave, activities);
    ``shares`` maps (line id, practitioner id) -> points (tenths) to aim at.
    Returns shift id -> practitioner id for the shifts it could staff."""
    st = problem.settings
    rest = timedelta(hours=st.rest_hours)
    people = {p.id: p for p in problem.practitioners}
    kind = {ln.id: ln.kind for ln in problem.lines}
    tenths = shift_tenths(problem)
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
    line_done: dict[tuple[str, str], float] = defaultdict(float)  # (line, practitioner) -> tenths

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
        p = tenths[s.id] / 10
        load[pid] += p
        member_load[people[pid].member_id] += p
        line_done[s.line_id, pid] += 10 * p
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
            if shares:
                # fraction of the practitioner's share of this line done after this shift
                # (practitioners with no share only as a last resort)
                share = shares.get((s.line_id, pid), 0.0)
                after = line_done[s.line_id, pid] + tenths[s.id]
                ahead = after / share if share > 1e-6 else 1e6 + after
                score = ahead + 2.0 * gap - 0.02 * wish[pid, s.date]
            else:
                score = load[pid] / p.working_time + 200.0 * gap - wish[pid, s.date]
            key = (0 if previous.get(s.id) == pid else 1, score)
            if best_key is None or key < best_key:
                best, best_key = pid, key
        if best is not None:
            take(best, s)
    return out


def polish(
    problem: RotaProblem,
    eligible: dict[str, list[str]],
    rota: dict[str, str],
    seconds: float = 2.0,
    target: int = 0,
) -> dict[str, str]:
    """Local search on a complete rota towards a smaller spread of normalised loads.

    Moves (one shift to another eligible practitioner) and swaps (two practitioners exchange a
    shift each) that involve a practitioner at the maximum or the minimum are accepted when
    they lower (spread, sum of squared loads per FTE), the second term evening out loads
    within each pool; when none is left, a pass of such moves over every shift. Every move keeps all hard rules (checked locally, the model and the
    checker check again); locked cells never move. Stops early once the spread is ``target``
    (a proven lower bound). Returns an improved copy of ``rota``.
    """

    started = time.monotonic()
    st = problem.settings
    rest = timedelta(hours=st.rest_hours)
    kind = {ln.id: ln.kind for ln in problem.lines}
    shift = {s.id: s for s in problem.shifts}
    people = {p.id: p for p in problem.practitioners}
    wt = {p.id: max(1, round(p.working_time * 100)) for p in problem.practitioners}
    tenths = shift_tenths(problem)
    carried = {p.id: round(problem.carried_points.get(p.id, 0.0) * 10) for p in people.values()}
    locked = {a.shift_id for a in problem.locked}
    rota = dict(rota)
    if len(rota) < len(shift) or not people:
        return rota
    load = {pid: carried[pid] for pid in people}
    held: dict[str, dict] = {pid: defaultdict(list) for pid in people}  # date -> shifts
    nights: dict[tuple, int] = defaultdict(int)
    member = {pid: p.member_id for pid, p in people.items()}
    member_load: dict[str, int] = defaultdict(int)
    for sid, pid in rota.items():
        s = shift[sid]
        load[pid] += tenths[s.id]
        member_load[member[pid]] += tenths[s.id]
        held[pid][s.date].append(s)
        if s.is_night:
            nights[pid, s.date.year, s.date.month] += 1
    total = sum(tenths[s.id] for s in problem.shifts)
    window = {
        q.member_id: quota_window(q.share_percent, q.tolerance_percent, total)
        for q in problem.quotas
    }

    def norm(pid, extra=0) -> int:
        return (100 * (load[pid] + extra)) // wt[pid]

    def gives(s) -> bool:
        return s.is_night and (kind.get(s.line_id) != ASTREINTE or st.rest_after_astreinte)

    def clash(a, b) -> bool:
        if a.start < b.end and b.start < a.end:
            return True
        if gives(a) and a.end <= b.start < a.end + rest:
            return True
        return gives(b) and b.end <= a.start < b.end + rest

    def can_take(pid, s, without=None) -> bool:
        """May ``pid`` also hold ``s`` (having given up ``without``)?"""
        for k in range(-2, 3):
            for t in held[pid].get(s.date + timedelta(days=k), ()):
                if t is not without and clash(s, t):
                    return False
        if s.is_night:
            n = nights[pid, s.date.year, s.date.month]
            if without is not None and without.is_night:
                same = (without.date.year, without.date.month) == (s.date.year, s.date.month)
                n -= same
            if n >= st.max_nights_per_month:
                return False

        def has(d) -> bool:
            return any(t is not without for t in held[pid].get(d, ()))

        if not has(s.date):
            run, d = 1, s.date - timedelta(days=1)
            while has(d):
                run, d = run + 1, d - timedelta(days=1)
            d = s.date + timedelta(days=1)
            while has(d):
                run, d = run + 1, d + timedelta(days=1)
            if run > st.max_consecutive_duties:
                return False
        return True

    def quota_ok(changes: dict[str, int]) -> bool:
        for m, delta in changes.items():
            if delta and m in window:
                lo, hi = window[m]
                if not lo <= member_load[m] + delta <= hi:
                    return False
        return True

    def apply(sid, old, new) -> None:
        s = shift[sid]
        v = tenths[s.id]
        held[old][s.date].remove(s)
        held[new][s.date].append(s)
        load[old] -= v
        load[new] += v
        member_load[member[old]] -= v
        member_load[member[new]] += v
        if s.is_night:
            nights[old, s.date.year, s.date.month] -= 1
            nights[new, s.date.year, s.date.month] += 1
        rota[sid] = new

    ns = {pid: norm(pid) for pid in people}
    top: list[tuple[int, str]] = []
    bottom: list[tuple[int, str]] = []
    squares = 0.0

    def refresh() -> None:
        nonlocal top, bottom, squares
        ns.update({pid: norm(pid) for pid in people})
        order = sorted((n, pid) for pid, n in ns.items())
        bottom, top = order[:3], order[-3:][::-1]
        squares = sum(load[p] * load[p] / wt[p] for p in people)

    def score(delta: dict[str, int]):
        """(spread, sum of load^2 / wt) after ``delta`` (points per practitioner, at most two).
        The second term, on exact loads rather than floored norms, is least when loads are
        proportional to working time within each pool."""
        new = {pid: norm(pid, d) for pid, d in delta.items()}
        hi = max([n for n, pid in top if pid not in new][:1] + list(new.values()))
        lo = min([n for n, pid in bottom if pid not in new][:1] + list(new.values()))
        sq = squares + sum(((load[p] + d) ** 2 - load[p] ** 2) / wt[p] for p, d in delta.items())
        return (hi - lo, sq)

    can_hold: dict[str, list[str]] = defaultdict(list)  # practitioner -> shifts eligible
    allowed = {sid: set(pids) for sid, pids in eligible.items()}
    for sid, pids in eligible.items():
        if sid not in locked:
            for pid in pids:
                can_hold[pid].append(sid)
    by_pid: dict[str, list[str]] = defaultdict(list)
    for sid, pid in rota.items():
        if sid not in locked:
            by_pid[pid].append(sid)
    refresh()
    current = score({})
    improved = True
    while improved and current[0] > target and time.monotonic() - started < seconds:
        improved = False
        refresh()
        hi, lo = top[0][0], bottom[0][0]
        extremes = [p for p in people if ns[p] in (hi, lo)]
        # single moves from or to an extreme practitioner
        for pid in extremes:
            giving = ns[pid] == hi
            sids = by_pid[pid] if giving else can_hold[pid]
            for sid in sids:
                s = shift[sid]
                v = tenths[s.id]
                old = rota[sid]
                targets = [q for q in eligible.get(sid, ()) if q != old] if giving else [pid]
                if not giving and old == pid:
                    continue
                for q in targets:
                    new = score({old: -v, q: v})  # cheaper than the rules: first
                    if not new < current or not can_take(q, s):
                        continue
                    if member[old] != member[q] and not quota_ok({member[old]: -v, member[q]: v}):
                        continue
                    apply(sid, old, q)
                    by_pid[old].remove(sid)
                    by_pid[q].append(sid)
                    current, improved = new, True
                    break
                if improved:
                    break
            if improved or time.monotonic() - started > seconds:
                break
        if improved:
            continue
        # swaps between an extreme practitioner and another of the same pools
        for pid in extremes:
            for a in list(by_pid[pid]):
                sa = shift[a]
                va = tenths[sa.id]
                for q in eligible.get(a, ()):
                    if q == pid:
                        continue
                    for b in list(by_pid[q]):
                        sb = shift[b]
                        vb = tenths[sb.id]
                        if vb == va or pid not in allowed.get(b, ()):
                            continue
                        delta = {pid: vb - va, q: va - vb}
                        if member[pid] != member[q] and not quota_ok(
                            {member[pid]: vb - va, member[q]: va - vb}
                        ):
                            continue
                        new = score(delta)
                        if not new < current:
                            continue
                        if not (can_take(q, sa, without=sb) and can_take(pid, sb, without=sa)):
                            continue
                        if clash(sa, sb) and sa.date == sb.date:
                            continue
                        apply(a, pid, q)
                        apply(b, q, pid)
                        by_pid[pid].remove(a)
                        by_pid[q].append(a)
                        by_pid[q].remove(b)
                        by_pid[pid].append(b)
                        current, improved = new, True
                        break
                    if improved:
                        break
                if improved:
                    break
                if time.monotonic() - started > seconds:
                    break
            if improved:
                break
        if improved:
            continue
        # stuck: one smoothing pass, any shift to one of the least loaded who may take it
        # (lowers the squares without raising the spread, and frees the extremes' neighbours)
        for sid in sorted(rota):
            if sid in locked or time.monotonic() - started > seconds:
                continue
            s = shift[sid]
            v = tenths[s.id]
            old = rota[sid]
            for q in sorted(eligible.get(sid, ()), key=ns.__getitem__)[:3]:
                if q == old or ns[q] >= ns[old]:
                    continue
                new = score({old: -v, q: v})
                if not new < current or not can_take(q, s):
                    continue
                if member[old] != member[q] and not quota_ok({member[old]: -v, member[q]: v}):
                    continue
                apply(sid, old, q)
                by_pid[old].remove(sid)
                by_pid[q].append(sid)
                refresh()
                current, improved = new, True
                break
    return rota
