"""A first Curtois roster in a fraction of a second: a day-by-day constructive heuristic.

It fills the cover day by day and keeps each employee's row within the staff rules it can see
coming: days off, shift caps, maximum minutes, forbidden successions, maximum consecutive shifts
and weekends; a started stretch goes on until the minimum consecutive shifts (it is only started
when it can), a rest goes on until the minimum days off, and employees behind their minimum
minutes pro rata are put on the shift where an extra person costs least. Rows it still gets wrong
are repaired by the LNS (a whole-row neighbourhood per broken employee).

``row_violations`` is the engine's own per-employee test (it mirrors the independent checker of
:mod:`.curtois`, which is the one the tests and the benches trust).
"""

from __future__ import annotations

from .curtois import Roster
from .curtois_model import Context


def row_violations(ctx: Context, e: str, roster: Roster, where: list | None = None) -> int:
    """Number of broken staff rules in one employee's row (0: the row is feasible).

    ``where`` collects the days of the local breaks (successions, stretches) and ``None`` for a
    break of a whole-row rule (shift caps, minutes, weekends)."""
    st = ctx.staff[e]
    H = ctx.inst.horizon
    row = [roster.get((e, d)) for d in range(H)]
    bad = 0
    where = [] if where is None else where
    off = ctx.inst.days_off.get(e, ())
    for d, s in enumerate(row):
        if s is not None and (d in off or s not in ctx.allowed[e]):
            bad += 1
            where.append(d)
        if d + 1 < H and s is not None and row[d + 1] and (s, row[d + 1]) in ctx.forbidden:
            bad += 1
            where.append(d)
    for s in ctx.minutes:
        if sum(1 for t in row if t == s) > st.max_shifts.get(s, 0):
            bad += 1
            where.append(None)
    minutes = sum(ctx.minutes[s] for s in row if s)
    if minutes > st.max_minutes or minutes < st.min_minutes:
        bad += 1
        where.append(None)
    worked = [s is not None for s in row]
    d = 0
    while d < H:
        j = d
        while j < H and worked[j] == worked[d]:
            j += 1
        inside = d > 0 and j < H
        if worked[d]:
            n = int(j - d > st.max_consecutive) + int(inside and j - d < st.min_consecutive)
        else:
            n = int(inside and j - d < st.min_days_off)
        if n:
            bad += n
            where.append(d)
        d = j
    weekends = sum(1 for w in range(ctx.inst.weeks) if worked[7 * w + 5] or worked[7 * w + 6])
    if weekends > st.max_weekends:
        bad += 1
        where.append(None)
    return bad


def greedy_roster(ctx: Context) -> Roster:
    inst = ctx.inst
    H = inst.horizon
    need = {(d, s): r for (d, s), (r, _, _) in ctx.cover.items()}
    roster: Roster = {}
    used = {(e, s): 0 for e in ctx.staff for s in ctx.minutes}
    minutes = dict.fromkeys(ctx.staff, 0)
    run = dict.fromkeys(ctx.staff, 0)  # current stretch: > 0 worked days, < 0 days off
    weekends: dict[str, set[int]] = {e: set() for e in ctx.staff}
    short = min(ctx.minutes.values()) if ctx.minutes else 0

    def can(e: str, d: int, s: str, starting: bool) -> bool:
        st = ctx.staff[e]
        if (e, d) in roster or d in inst.days_off.get(e, ()) or s not in ctx.allowed[e]:
            return False
        if used[e, s] >= st.max_shifts.get(s, 0) or minutes[e] + ctx.minutes[s] > st.max_minutes:
            return False
        if run[e] >= st.max_consecutive:
            return False
        prev = roster.get((e, d - 1))
        if prev and (prev, s) in ctx.forbidden:
            return False
        if run[e] < 0 and -run[e] < st.min_days_off and -run[e] < d:
            return False  # a rest inside the horizon must reach the minimum days off
        wk = d // 7 if d % 7 >= 5 else None
        if wk is not None and wk not in weekends[e] and len(weekends[e]) >= st.max_weekends:
            return False
        if starting and d + 1 < H:  # the stretch must be able to reach the minimum length
            if not any((s, t) not in ctx.forbidden for t in ctx.allowed[e]):
                return False
            taken = set(weekends[e]) | ({wk} if wk is not None else set())
            for i in range(d + 1, min(H, d + st.min_consecutive)):
                if i in inst.days_off.get(e, ()):
                    return False
                if i % 7 >= 5 and i // 7 not in taken:
                    if len(taken) >= st.max_weekends:
                        return False
                    taken.add(i // 7)
        return True

    counts: dict[tuple[int, str], int] = {}

    def assign(e: str, d: int, s: str) -> None:
        roster[e, d] = s
        counts[d, s] = counts.get((d, s), 0) + 1
        used[e, s] += 1
        minutes[e] += ctx.minutes[s]
        if d % 7 >= 5:
            weekends[e].add(d // 7)

    def count(d: int, s: str) -> int:
        return counts.get((d, s), 0)

    def best_shift(e: str, d: int, starting: bool) -> str | None:
        options = [s for s in ctx.allowed[e] if can(e, d, s, starting)]
        if not options:
            return None
        return max(
            options,
            key=lambda s: (
                need.get((d, s), 0) - count(d, s),
                ctx.on.get((e, d, s), 0) - ctx.off.get((e, d, s), 0),
            ),
        )

    for d in range(H):
        # stretches under their minimum go on
        for e, st in ctx.staff.items():
            if 0 < run[e] < st.min_consecutive:
                s = best_shift(e, d, False)
                if s is not None:
                    assign(e, d, s)
        # the cover, the neediest shift first
        for s in sorted(ctx.minutes, key=lambda s: -need.get((d, s), 0)):
            if count(d, s) >= need.get((d, s), 0):
                continue
            cands = [e for e in ctx.staff if can(e, d, s, run[e] <= 0)]

            def key(e, s=s, d=d):
                lag = ctx.staff[e].min_minutes * (d + 1) / H - minutes[e]
                return (ctx.off.get((e, d, s), 0) - ctx.on.get((e, d, s), 0), -lag)

            for e in sorted(cands, key=key):
                if count(d, s) >= need.get((d, s), 0):
                    break
                assign(e, d, s)
        # employees behind their minimum minutes, pro rata: where one more costs least
        for e, st in ctx.staff.items():
            left = H - d
            behind = st.min_minutes - minutes[e] > (left - 1) * short * 5 / 7
            if (e, d) not in roster and (behind or 0 < run[e] < st.min_consecutive):
                opts = [s for s in ctx.allowed[e] if can(e, d, s, run[e] <= 0)]
                if opts:
                    assign(e, d, min(opts, key=lambda s: count(d, s) - need.get((d, s), 0)))
        for e in ctx.staff:
            worked = (e, d) in roster
            run[e] = (max(run[e], 0) + 1) if worked else (min(run[e], 0) - 1)
    return roster
