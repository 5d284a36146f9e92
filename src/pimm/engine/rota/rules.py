"""The CP-SAT model of the PDSES on-call rota: one builder per rule group (see :mod:`.solver`).

Each rule is a small builder that adds its constraints; when ``assume`` is on (infeasibility
explanation) every rule group gets its own enforcement literal, recorded with a
:class:`RuleGroup` so that a conflicting set of groups can be phrased in French by ``explain``.
The objective and its proven levels are described in :mod:`.solver`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from ortools.sat.python import cp_model

from .model import ASTREINTE, RotaProblem, Shift
from .points import POINT_SCALE, shift_tenths
from .targets import level_bounds, quota_window


@dataclass(frozen=True)
class RuleGroup:
    kind: str  # coverage, leave, activity, rest, overlap, consecutive, nights, quota, locked
    shift_id: str | None = None
    practitioner_id: str | None = None
    member_id: str | None = None
    month: tuple[int, int] | None = None


@dataclass
class BuiltModel:
    model: cp_model.CpModel
    x: dict[tuple[str, str], cp_model.IntVar]  # (shift id, practitioner id) -> bool
    groups: dict[int, RuleGroup] = field(default_factory=dict)  # literal index -> group
    literals: list[cp_model.IntVar] = field(default_factory=list)
    spread: cp_model.IntVar | None = None
    excess: cp_model.IntVar | None = None
    pref_penalty: cp_model.LinearExpr | int = 0
    changes: cp_model.LinearExpr | int = 0


def competent(problem: RotaProblem, shift: Shift):
    line = next(ln for ln in problem.lines if ln.id == shift.line_id)
    for p in problem.practitioners:
        if line.competence is not None and line.competence not in p.competences:
            continue
        if p.sites is not None and line.site_ids and not set(line.site_ids) & set(p.sites):
            continue
        yield p


def gives_rest(problem: RotaProblem, shift: Shift, kind_by_line: dict[str, str]) -> bool:
    if not shift.is_night:
        return False
    return kind_by_line[shift.line_id] != ASTREINTE or problem.settings.rest_after_astreinte


def build(problem: RotaProblem, assume: bool = False, objective: bool = True) -> BuiltModel:
    m = cp_model.CpModel()
    st = problem.settings
    bm = BuiltModel(m, {})

    def lit(group: RuleGroup):
        """Enforcement literal of a rule group (None when rules are plain hard constraints)."""
        if not assume:
            return None
        key = ("lit", group)
        cache = bm.__dict__.setdefault("_cache", {})
        if key not in cache:
            b = m.new_bool_var(f"{group.kind}:{group.shift_id}:{group.practitioner_id}")
            cache[key] = b
            bm.groups[b.index] = group
            bm.literals.append(b)
        return cache[key]

    def add(ct, group: RuleGroup):
        b = lit(group)
        if b is not None:
            ct.only_enforce_if(b)
        return ct

    kind_by_line = {ln.id: ln.kind for ln in problem.lines}
    line_ids = set(kind_by_line)
    shifts = [s for s in problem.shifts if s.line_id in line_ids]
    rest = timedelta(hours=st.rest_hours)

    # Leave and day activities: in normal mode, variables are simply not created.
    leave_days: dict[str, list[tuple]] = defaultdict(list)
    for u in problem.unavailabilities:
        leave_days[u.practitioner_id].append((u.start, u.end))
    activities = defaultdict(list)
    for a in problem.day_activities:
        activities[a.practitioner_id].append(a)

    def on_leave(pid: str, s: Shift) -> bool:
        return any(a <= s.date <= b for a, b in leave_days.get(pid, ()))

    def activity_clash(pid: str, s: Shift) -> bool:
        for a in activities.get(pid, ()):
            if s.start < a.end and a.start < s.end:
                return True
            if gives_rest(problem, s, kind_by_line) and s.end <= a.start < s.end + rest:
                return True
        return False

    x = bm.x
    for s in shifts:
        for p in competent(problem, s):
            blocked_leave = on_leave(p.id, s)
            blocked_act = activity_clash(p.id, s)
            if not assume and (blocked_leave or blocked_act):
                continue
            v = m.new_bool_var(f"x[{s.id},{p.id}]")
            x[s.id, p.id] = v
            if blocked_leave:
                add(m.add(v == 0), RuleGroup("leave", practitioner_id=p.id))
            if blocked_act:
                add(m.add(v == 0), RuleGroup("activity", practitioner_id=p.id))

    by_shift: dict[str, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
    by_pract: dict[str, list[tuple[Shift, cp_model.IntVar]]] = defaultdict(list)
    shift_by_id = {s.id: s for s in shifts}
    for (sid, pid), v in x.items():
        by_shift[sid].append((pid, v))
        by_pract[pid].append((shift_by_id[sid], v))

    # Coverage: exactly one competent practitioner per shift.
    for s in shifts:
        vs = [v for _, v in by_shift.get(s.id, [])]
        add(m.add(sum(vs) == 1) if vs else m.add_bool_or([]), RuleGroup("coverage", shift_id=s.id))

    # Locked cells.
    for a in problem.locked:
        v = x.get((a.shift_id, a.practitioner_id))
        g = RuleGroup("locked", shift_id=a.shift_id, practitioner_id=a.practitioner_id)
        add(m.add(v == 1) if v is not None else m.add_bool_or([]), g)

    for pid, items in by_pract.items():
        items.sort(key=lambda t: t[0].start)
        # No two overlapping shifts: at most one shift active at each shift start instant.
        # Sweep over start instants; items are sorted by start.
        live: list[tuple[Shift, cp_model.IntVar]] = []
        i = 0
        while i < len(items):
            t = items[i][0].start
            live = [(s, v) for s, v in live if s.end > t]
            while i < len(items) and items[i][0].start == t:
                live.append(items[i])
                i += 1
            if len(live) > 1:
                cl = [v for _, v in live]
                add(m.add_at_most_one(cl), RuleGroup("overlap", practitioner_id=pid))
        # Rest after a night: nothing may start within rest_hours after it ends.
        for i, (s, v) in enumerate(items):
            if not gives_rest(problem, s, kind_by_line):
                continue
            for t, w in items[i + 1 :]:
                if t.start >= s.end + rest:
                    break
                if t.start >= s.end:
                    add(m.add_bool_or([v.Not(), w.Not()]), RuleGroup("rest", practitioner_id=pid))
        # Max consecutive duty days.
        per_day: dict = defaultdict(list)
        for s, v in items:
            per_day[s.date].append(v)
        days = sorted(per_day)
        if days:
            dvar = {}
            for d in days:
                vs = per_day[d]
                if len(vs) == 1:
                    dvar[d] = vs[0]
                else:
                    b = m.new_bool_var(f"duty[{pid},{d}]")
                    m.add_max_equality(b, vs)
                    dvar[d] = b
            k = st.max_consecutive_duties
            g = RuleGroup("consecutive", practitioner_id=pid)
            for d in days:
                window = [dvar.get(d + timedelta(days=i)) for i in range(k + 1)]
                window = [w for w in window if w is not None]
                if len(window) == k + 1:
                    add(m.add(sum(window) <= k), g)
        # Max nights per calendar month.
        months = defaultdict(list)
        for s, v in items:
            if s.is_night:
                months[s.date.year, s.date.month].append(v)
        for ym, vs in months.items():
            if len(vs) > st.max_nights_per_month:
                g = RuleGroup("nights", practitioner_id=pid, month=ym)
                add(m.add(sum(vs) <= st.max_nights_per_month), g)

    # Points (tenths) per practitioner.
    tenths = shift_tenths(problem)
    total_points = sum(tenths[s.id] for s in shifts)
    load = {}
    for p in problem.practitioners:
        load[p.id] = sum(tenths[s.id] * v for s, v in by_pract.get(p.id, []))

    # Member quotas (share of the period's points).
    for q in problem.quotas:
        members = [p.id for p in problem.practitioners if p.member_id == q.member_id]
        expr = sum(load[pid] for pid in members) if members else 0
        lo, hi = quota_window(q.share_percent, q.tolerance_percent, total_points)
        g = RuleGroup("quota", member_id=q.member_id)
        # member points (tenths) within the window, rounded inwards (see quota_window)
        if lo > 0:
            add(m.add(expr >= lo), g)
        if hi < total_points:
            add(m.add(expr <= hi), g)

    if not objective:
        return bm

    # Fairness: normalised load in tenths of a point per full-time equivalent.
    carried = {
        p.id: round(problem.carried_points.get(p.id, 0.0) * POINT_SCALE)
        for p in problem.practitioners
    }
    norm = []
    norm_ub = 0
    ub = total_points + max([abs(c) for c in carried.values()] or [0])
    for p in problem.practitioners:
        wt = max(1, round(p.working_time * 100))
        hi = (ub * 100) // wt + 1
        norm_ub = max(norm_ub, hi)
        n = m.new_int_var(-hi, hi, f"norm[{p.id}]")
        e = 100 * (load[p.id] + carried[p.id])
        m.add(wt * n <= e)
        m.add(e <= wt * n + wt - 1)
        norm.append(n)
    spread_ub = 2 * norm_ub + 1
    hi_n = m.new_int_var(-spread_ub, spread_ub, "max_norm")
    lo_n = m.new_int_var(-spread_ub, spread_ub, "min_norm")
    if norm:
        m.add_max_equality(hi_n, norm)
        m.add_min_equality(lo_n, norm)
    spread = m.new_int_var(0, spread_ub, "spread")
    m.add(spread == hi_n - lo_n)
    # Redundant, implied by the pools (targets.level_bounds): max >= L and min <= U in every
    # rota, so spread >= L - U, and every normalised load lies within [L - spread, U + spread]
    # (min >= max - spread >= L - spread, max <= min + spread <= U + spread). The last two tie
    # each load to the spread in the LP relaxation, whose plain value is otherwise 0.
    levels = level_bounds(problem)
    lb = 0
    if levels is not None and norm:
        high, low = levels
        lb = max(0, high - low)
        m.add(hi_n >= high)
        m.add(lo_n <= low)
        for n in norm:
            m.add(n + spread >= high)
            m.add(n - spread <= low)
    bm.__dict__["spread_lb"] = lb
    if lb > 0:
        m.add(spread >= min(lb, spread_ub))
    tol = round(st.fairness_tolerance * POINT_SCALE)
    excess = m.new_int_var(0, spread_ub, "spread_excess")
    m.add(excess >= spread - tol)
    if lb - tol > 0:
        m.add(excess >= min(lb - tol, spread_ub))  # redundant: the bound known at once
    bm.spread, bm.excess = spread, excess

    # Preferences.
    pref_terms = []
    pref_total = 0
    for i, pr in enumerate(problem.preferences):
        cells = [
            v
            for s, v in by_pract.get(pr.practitioner_id, [])
            if (pr.shift_id is not None and s.id == pr.shift_id)
            or (pr.shift_id is None and pr.date is not None and s.date == pr.date)
        ]
        w = abs(pr.weight)
        if pr.weight > 0:
            pref_total += w
            if not cells:
                continue  # cannot be honoured at all: a constant, left out
            b = m.new_bool_var(f"wish[{i}]")
            m.add_max_equality(b, cells)
            pref_terms.append(w * (1 - b))
        elif pr.weight < 0 and cells:
            pref_total += w * len(cells)
            pref_terms.extend(w * v for v in cells)
    bm.pref_penalty = sum(pref_terms)

    # Minimal change against the published rota.
    change_terms = []
    for a in problem.previous:
        if a.shift_id not in shift_by_id:
            continue
        v = x.get((a.shift_id, a.practitioner_id))
        change_terms.append(1 - v if v is not None else 1)
    bm.changes = sum(change_terms)

    w_change = 1
    w_pref = len(change_terms) + 1
    w_fair = w_pref * (pref_total + 1)
    m.minimize(w_fair * excess + w_pref * bm.pref_penalty + w_change * bm.changes)
    bm.__dict__["weights"] = (w_fair, w_pref, w_change)
    return bm
