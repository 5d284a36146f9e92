"""Fairness figures people can check: points per practitioner, target by working time, Gini.

Used to report a solved rota. The checker recomputes the same figures by its own code path.
"""

from __future__ import annotations

from .model import GARDE, Assignment, PractitionerLoad, RotaProblem, RotaSettings

POINT_SCALE = 10  # points are handled in tenths by the solver


def shift_points(settings: RotaSettings, category: str, kind: str = GARDE) -> float:
    """Points of one duty: the weight of its category times the factor of its line's kind."""
    return settings.points.get(category, 0.0) * settings.kind_factors.get(kind, 1.0)


def shift_tenths(problem: RotaProblem) -> dict[str, int]:
    """Points of every shift of the problem in tenths (the solver's integral unit).

    The one place where a duty's category weight meets its line's kind (astreinte factor), so
    that the model, the hint, the bounds and the reported loads count the same points.
    """
    st = problem.settings
    kind = {ln.id: ln.kind for ln in problem.lines}
    return {
        s.id: round(shift_points(st, s.category, kind.get(s.line_id, GARDE)) * POINT_SCALE)
        for s in problem.shifts
    }


def gini(values: list[float]) -> float:
    """Gini index of non-negative values (0 = perfectly equal)."""
    xs = sorted(v for v in values)
    n = len(xs)
    total = sum(xs)
    if n == 0 or total <= 0:
        return 0.0
    cum = sum((i + 1) * v for i, v in enumerate(xs))
    return (2 * cum) / (n * total) - (n + 1) / n


def compute_loads(problem: RotaProblem, assignments: tuple[Assignment, ...] | list[Assignment]):
    """Return (loads, spread, gini) where loads are per practitioner in problem order.

    The fair target of a practitioner is the total of period and carried points shared in
    proportion to working time; ``normalised`` is (points + carried) / working time, whose
    max − min is the spread the solver minimises.
    """
    st = problem.settings
    kind = {ln.id: ln.kind for ln in problem.lines}
    shift_by_id = {s.id: s for s in problem.shifts}
    points = {p.id: 0.0 for p in problem.practitioners}
    counts = {p.id: {} for p in problem.practitioners}
    for a in assignments:
        s = shift_by_id[a.shift_id]
        points[a.practitioner_id] += shift_points(st, s.category, kind.get(s.line_id, GARDE))
        c = counts[a.practitioner_id]
        c[s.category] = c.get(s.category, 0) + 1
    carried = {p.id: float(problem.carried_points.get(p.id, 0.0)) for p in problem.practitioners}
    grand = sum(points.values()) + sum(carried.values())
    wt_total = sum(p.working_time for p in problem.practitioners) or 1.0
    loads = []
    for p in problem.practitioners:
        c = counts[p.id]
        loads.append(
            PractitionerLoad(
                practitioner_id=p.id,
                points=points[p.id],
                carried=carried[p.id],
                target=grand * p.working_time / wt_total,
                normalised=(points[p.id] + carried[p.id]) / p.working_time,
                counts=dict(c),
                nights=sum(n for k, n in c.items() if k.endswith("night")),
                duties=sum(c.values()),
            )
        )
    norm = [ld.normalised for ld in loads]
    spread = (max(norm) - min(norm)) if norm else 0.0
    return tuple(loads), spread, gini(norm)
