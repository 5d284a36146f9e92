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

    def rows_of(self, solver) -> Roster:
        """The free cells' values in the solver's solution (off cells are left out)."""
        return {(e, d): s for (e, d, s), v in self.x.items() if solver.boolean_value(v)}

    def roster_of(self, solver, incumbent: Roster) -> Roster:
        """The incumbent with the free cells replaced by the solver's values."""
        out = {k: v for k, v in incumbent.items() if k not in self.free}
        for (e, d, s), v in self.x.items():
            if solver.boolean_value(v):
                out[e, d] = s
        return out


class _Row:
    """One employee's row: a constant 0/1 for a fixed cell, a literal for a free one."""

    def __init__(self, m, e: str, incumbent: Roster, free: Free, days: list[int], x):
        self.e, self.free, self.incumbent = e, free, incumbent
        self.free_days = sorted(days)
        self.free_set = set(days)
        self.vars: dict[int, cp_model.IntVar | int] = {}
        for d in self.free_days:
            vs = [x[e, d, s] for s in free[e, d]]
            if not vs:
                self.vars[d] = 0
            elif len(vs) == 1:
                self.vars[d] = vs[0]
            else:
                w = m.new_bool_var(f"w_{e}_{d}")
                m.add(sum(vs) == w)
                self.vars[d] = w

    def work(self, d: int):
        if d in self.free_set:
            return self.vars[d]
        return int((self.e, d) in self.incumbent)

    def is_free(self, d: int) -> bool:
        return d in self.free_set

    def fixed(self, d: int) -> str | None:
        return self.incumbent.get((self.e, d))

    def shift_term(self, x, d: int, s: str):
        if d in self.free_set:
            return x.get((self.e, d, s), 0)
        return int(self.incumbent.get((self.e, d)) == s)


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
    days = sorted({d for f in row.free_days for d in (f - 1, f) if 0 <= d < H - 1})
    for d in days:
        for s, ts in after.items():
            a = row.shift_term(x, d, s)
            if isinstance(a, int) and a == 0:
                continue
            nxt = [row.shift_term(x, d + 1, t) for t in ts]
            if isinstance(a, int) and all(isinstance(t, int) for t in nxt):
                continue
            m.add(a + sum(nxt) <= 1)


def _totals(m, ctx, row: _Row, x, redundant: bool) -> None:
    """Shift caps and total minutes: the fixed days as one constant, a term per free cell."""
    st = ctx.staff[row.e]
    free_days = row.free_days
    fixed_count: dict[str, int] = {}
    fixed_minutes = 0
    for d in range(ctx.inst.horizon):
        s = row.fixed(d)
        if s is not None and not row.is_free(d):
            fixed_count[s] = fixed_count.get(s, 0) + 1
            fixed_minutes += ctx.minutes[s]
    variables, weights = [], []
    for s in ctx.minutes:
        vs = [x[row.e, d, s] for d in free_days if (row.e, d, s) in x]
        if vs:
            m.add(cp_model.LinearExpr.sum(vs) <= st.max_shifts.get(s, 0) - fixed_count.get(s, 0))
            variables += vs
            weights += [ctx.minutes[s]] * len(vs)
    if variables:
        total = cp_model.LinearExpr.weighted_sum(variables, weights)
        m.add(total <= st.max_minutes - fixed_minutes)
        m.add(total >= st.min_minutes - fixed_minutes)
    if redundant and ctx.allowed[row.e] and len(free_days) == ctx.inst.horizon:
        lengths = [ctx.minutes[s] for s in ctx.allowed[row.e]]
        worked = sum(row.work(d) for d in free_days)
        m.add(worked >= -(-st.min_minutes // max(lengths)))
        m.add(worked <= st.max_minutes // min(lengths))


def _stretches(m, ctx, row: _Row) -> None:
    """Maximum consecutive shifts (a day off in every k + 1 days) and the minimum stretches
    strictly inside the horizon, on the windows that hold a free day."""
    st = ctx.staff[row.e]
    H = ctx.inst.horizon
    w = row.work
    free_days = row.free_days
    if not free_days:
        return
    k = st.max_consecutive
    starts = sorted({d for f in free_days for d in range(max(0, f - k), min(H - k, f + 1))})
    for d in starts:
        window = [w(i) for i in range(d, d + k + 1)]
        if any(not isinstance(t, int) for t in window):
            m.add(sum(window) <= k)
    for length, value in [(n, 1) for n in range(1, st.min_consecutive)] + [
        (n, 0) for n in range(1, st.min_days_off)
    ]:
        # no stretch of exactly ``length`` days equal to ``value`` strictly inside the horizon
        lo, hi = 1, H - length  # pattern starts: days d - 1 .. d + length exist
        starts = sorted({d for f in free_days for d in range(max(lo, f - length), min(hi, f + 2))})
        for d in starts:
            items = [(w(d - 1), value), *((w(i), 1 - value) for i in range(d, d + length))]
            _clause(m, [*items, (w(d + length), value)])


def _weekends(m, ctx, row: _Row) -> None:
    st = ctx.staff[row.e]
    terms = []
    for wk in range(ctx.inst.weeks):
        sat, sun = row.work(7 * wk + 5), row.work(7 * wk + 6)
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
    days_of: dict[str, list[int]] = {}
    for e, d in free:
        days_of.setdefault(e, []).append(d)
    for e in sorted(days_of):
        row = _Row(m, e, incumbent, free, days_of[e], x)
        _successions(m, ctx, row, x)
        whole = len(row.free_days) == ctx.inst.horizon
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
    for e, d in free:
        if (e, d) in incumbent:  # the cell may leave its shift: that cover can change too
            touched.setdefault((d, incumbent[e, d]), [])
    fixed_count: dict[tuple[int, str], int] = {}
    for d, s in touched:
        fixed_count[d, s] = sum(
            1 for e in ctx.staff if (e, d) not in free and incumbent.get((e, d)) == s
        )
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
