"""CP-SAT model of a Curtois rostering instance over a set of *free* cells, the rest held fixed.

One model builder serves every solve: the full model is the case where every cell is free; an LNS
neighbourhood (some employees, some weeks, some shift types) frees a part of the incumbent roster
and fixes the rest, so that each sub-model has only the variables it may change, whatever the size
of the instance. Every staff rule is per employee and every cover term per (day, shift): a rule
group builder adds its constraints only where a free cell takes part, with the fixed cells as
constants (``_Row``). The sub-model's objective is the part of the benchmark's objective that the
free cells can change; callers compare rosters by :func:`pimm.engine.rota.curtois.objective`.

Redundant constraints (``redundant=True``, used on whole rows): a lower bound on the days worked
from the minimum minutes and an upper bound from the maximum minutes, which the LP relaxation does
not derive from the minutes constraint alone when the shift lengths differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .curtois import Instance, Roster

# cell (employee, day) -> shift ids it may take (being off is always possible)
Free = dict[tuple[str, int], tuple[str, ...]]


@dataclass
class Context:
    """Indexes of an instance shared by every sub-model."""

    inst: Instance
    staff: dict = field(default_factory=dict)
    minutes: dict[str, int] = field(default_factory=dict)
    forbidden: set[tuple[str, str]] = field(default_factory=set)
    on: dict[tuple[str, int, str], int] = field(default_factory=dict)
    off: dict[tuple[str, int, str], int] = field(default_factory=dict)
    cover: dict[tuple[int, str], tuple[int, int, int]] = field(default_factory=dict)
    allowed: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, inst: Instance) -> Context:
        ctx = cls(inst)
        ctx.staff = {st.id: st for st in inst.staff}
        ctx.minutes = {s.id: s.minutes for s in inst.shifts}
        ctx.forbidden = {(s.id, t) for s in inst.shifts for t in s.forbidden_next}
        for r in inst.on_requests:
            key = (r.employee, r.day, r.shift)
            ctx.on[key] = ctx.on.get(key, 0) + r.weight
        for r in inst.off_requests:
            key = (r.employee, r.day, r.shift)
            ctx.off[key] = ctx.off.get(key, 0) + r.weight
        for c in inst.cover:
            ctx.cover[c.day, c.shift] = (c.requirement, c.weight_under, c.weight_over)
        for st in inst.staff:
            ctx.allowed[st.id] = tuple(s.id for s in inst.shifts if st.max_shifts.get(s.id, 0) > 0)
        return ctx

    def domain(self, e: str, d: int) -> tuple[str, ...]:
        """Shifts an employee may take on a day (none on a day off)."""
        if d in self.inst.days_off.get(e, ()):
            return ()
        return self.allowed[e]

    def all_free(self, employees=None, days=None) -> Free:
        employees = [st.id for st in self.inst.staff] if employees is None else employees
        days = range(self.inst.horizon) if days is None else days
        return {(e, d): self.domain(e, d) for e in employees for d in days}


@dataclass
class SubModel:
    model: cp_model.CpModel
    x: dict[tuple[str, int, str], cp_model.IntVar]
    free: Free
    hinted: bool = False

    def roster_of(self, solver, incumbent: Roster) -> Roster:
        """The incumbent with the free cells replaced by the solver's values."""
        out = {k: v for k, v in incumbent.items() if k not in self.free}
        for (e, d, s), v in self.x.items():
            if solver.boolean_value(v):
                out[e, d] = s
        return out


class _Row:
    """One employee's row: a constant 0/1 for a fixed cell, a literal for a free one."""

    def __init__(self, m, ctx: Context, e: str, incumbent: Roster, free: Free, x):
        self.e, self.free = e, free
        self.fixed = {d: incumbent.get((e, d)) for d in range(ctx.inst.horizon)}
        self.work: dict[int, cp_model.IntVar | int] = {}
        for d in range(ctx.inst.horizon):
            if (e, d) not in free:
                self.work[d] = int(self.fixed[d] is not None)
                continue
            vs = [x[e, d, s] for s in free[e, d]]
            if not vs:
                self.work[d] = 0
            elif len(vs) == 1:
                self.work[d] = vs[0]
            else:
                w = m.new_bool_var(f"w_{e}_{d}")
                m.add(sum(vs) == w)
                self.work[d] = w

    def is_free(self, d: int) -> bool:
        return (self.e, d) in self.free

    def shift_term(self, x, d: int, s: str):
        if (self.e, d) in self.free:
            return x.get((self.e, d, s), 0)
        return int(self.fixed[d] == s)


def _clause(m, items) -> None:
    """Add OR over (term, wanted value): constants satisfied drop the clause, false ones vanish."""
    lits = []
    for t, want in items:
        if isinstance(t, int):
            if t == want:
                return
            continue
        lits.append(t if want else t.Not())
    m.add_bool_or(lits)  # empty: the fixed part already breaks the rule, the sub-model is void


def _successions(m, ctx, row: _Row, x) -> None:
    """Shift s on day d excludes every shift it may not be followed by on day d + 1."""
    H = ctx.inst.horizon
    after: dict[str, list[str]] = {}
    for s, t in ctx.forbidden:
        after.setdefault(s, []).append(t)
    for d in range(H - 1):
        if not (row.is_free(d) or row.is_free(d + 1)):
            continue
        for s, ts in after.items():
            a = row.shift_term(x, d, s)
            if isinstance(a, int) and a == 0:
                continue
            nxt = [row.shift_term(x, d + 1, t) for t in ts]
            if isinstance(a, int) and all(isinstance(t, int) for t in nxt):
                continue
            m.add(a + sum(nxt) <= 1)


def _totals(m, ctx, row: _Row, x, redundant: bool) -> None:
    st = ctx.staff[row.e]
    H = ctx.inst.horizon
    days = range(H)
    for s in ctx.allowed[row.e] + tuple(s for s in ctx.minutes if s not in ctx.allowed[row.e]):
        terms = [row.shift_term(x, d, s) for d in days]
        if any(not isinstance(t, int) for t in terms):
            m.add(sum(terms) <= st.max_shifts.get(s, 0))
    total = sum(ctx.minutes[s] * row.shift_term(x, d, s) for d in days for s in ctx.minutes)
    m.add(total <= st.max_minutes)
    m.add(total >= st.min_minutes)
    if redundant and ctx.allowed[row.e]:
        lengths = [ctx.minutes[s] for s in ctx.allowed[row.e]]
        worked = sum(row.work[d] for d in days)
        m.add(worked >= -(-st.min_minutes // max(lengths)))
        m.add(worked <= st.max_minutes // min(lengths))


def _stretches(m, ctx, row: _Row) -> None:
    st = ctx.staff[row.e]
    H = ctx.inst.horizon
    w = row.work
    free_days = [d for d in range(H) if row.is_free(d)]
    if not free_days:
        return
    lo, hi = free_days[0], free_days[-1]
    k = st.max_consecutive
    for d in range(max(0, lo - k), min(H - k, hi + 1)):
        window = [w[i] for i in range(d, d + k + 1)]
        if any(not isinstance(t, int) for t in window):
            m.add(sum(window) <= k)
    for length, value in [(n, 1) for n in range(1, st.min_consecutive)] + [
        (n, 0) for n in range(1, st.min_days_off)
    ]:
        # no stretch of exactly ``length`` days equal to ``value`` strictly inside the horizon
        for d in range(max(1, lo - length), min(H - length, hi + 2)):
            span = range(d - 1, d + length + 1)
            if not any(row.is_free(i) for i in span):
                continue
            items = [(w[d - 1], value), *((w[i], 1 - value) for i in range(d, d + length))]
            _clause(m, [*items, (w[d + length], value)])


def _weekends(m, ctx, row: _Row) -> None:
    st = ctx.staff[row.e]
    terms = []
    for wk in range(ctx.inst.weeks):
        sat, sun = row.work[7 * wk + 5], row.work[7 * wk + 6]
        if isinstance(sat, int) and isinstance(sun, int):
            terms.append(max(sat, sun))
        elif (isinstance(sat, int) and sat) or (isinstance(sun, int) and sun):
            terms.append(1)
        else:
            b = m.new_bool_var(f"wk_{row.e}_{wk}")
            for t in (sat, sun):
                if not isinstance(t, int):
                    m.add_implication(t, b)
            terms.append(b)
    if any(not isinstance(t, int) for t in terms):
        m.add(sum(terms) <= st.max_weekends)


def build_sub(ctx: Context, incumbent: Roster, free: Free, redundant: bool = True) -> SubModel:
    """The model of ``free`` cells with every other cell held at its ``incumbent`` value."""
    m = cp_model.CpModel()
    x: dict[tuple[str, int, str], cp_model.IntVar] = {}
    for (e, d), dom in free.items():
        for s in dom:
            x[e, d, s] = m.new_bool_var(f"x_{e}_{d}_{s}")
    employees = sorted({e for e, _ in free})
    rows = {e: _Row(m, ctx, e, incumbent, free, x) for e in employees}
    for row in rows.values():
        _successions(m, ctx, row, x)
        whole = all(row.is_free(d) for d in range(ctx.inst.horizon))
        _totals(m, ctx, row, x, redundant and whole)
        _stretches(m, ctx, row)
        _weekends(m, ctx, row)
    terms = []
    for (e, d, s), v in x.items():
        if (e, d, s) in ctx.on:
            terms.append(-ctx.on[e, d, s] * v)  # the constant part is left out
        if (e, d, s) in ctx.off:
            terms.append(ctx.off[e, d, s] * v)
    touched: dict[tuple[int, str], list] = {}
    for (_e, d, s), v in x.items():
        touched.setdefault((d, s), []).append(v)
    for (e, d), s in incumbent.items():
        if (e, d) in free:
            touched.setdefault((d, s), [])  # the cell may leave this shift: its cover can change
    fixed_count: dict[tuple[int, str], int] = {}
    for (e, d), s in incumbent.items():
        if (e, d) not in free and (d, s) in touched:
            fixed_count[d, s] = fixed_count.get((d, s), 0) + 1
    for (d, s), vs in touched.items():
        req, wu, wo = ctx.cover.get((d, s), (0, 0, 0))
        if wu == 0 and wo == 0:
            continue
        count = fixed_count.get((d, s), 0) + sum(vs)
        top = fixed_count.get((d, s), 0) + len(vs)
        under = m.new_int_var(0, max(0, req), f"u_{d}_{s}")
        over = m.new_int_var(0, max(0, top - req), f"o_{d}_{s}")
        m.add(count + under >= req)
        m.add(count - over <= req)
        terms.append(wu * under + wo * over)
    m.minimize(sum(terms))
    sub = SubModel(m, x, free)
    for (e, d, s), v in x.items():
        m.add_hint(v, incumbent.get((e, d)) == s)
    sub.hinted = True
    return sub
