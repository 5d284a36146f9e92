"""Per-class service levels and reader load spread of a simulated run."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from pimm.engine.routing.model import Priority, RotaEntry, ServiceLevels
from pimm.engine.simulation.model import ClassMetrics, ExamOutcome, Metrics


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in [0, 100]); inf values sort last; nan on empty input."""
    if not values:
        return math.nan
    s = sorted(values)
    k = max(0, math.ceil(q / 100.0 * len(s)) - 1)
    return s[k]


def class_metrics(
    outcomes: Iterable[ExamOutcome], levels: ServiceLevels
) -> tuple[ClassMetrics, ...]:
    by: dict[Priority, list[ExamOutcome]] = {p: [] for p in Priority}
    for o in outcomes:
        by[o.exam.priority].append(o)
    out = []
    for p, os in by.items():
        target = levels.target(p).total_seconds() / 60.0
        tats = [o.turnaround_minutes for o in os]
        signed = [t for t in tats if t is not None]
        padded = [math.inf if t is None else t for t in tats]
        out.append(
            ClassMetrics(
                priority=p,
                count=len(os),
                unsigned=len(os) - len(signed),
                within_target=(sum(1 for t in signed if t <= target) / len(os)) if os else math.nan,
                median_minutes=percentile(padded, 50),
                p90_minutes=percentile(padded, 90),
                mean_minutes=(sum(signed) / len(signed)) if signed else math.nan,
            )
        )
    return tuple(out)


def load_spread(
    outcomes: Iterable[ExamOutcome], rota: Iterable[RotaEntry], min_hours: float = 1.0
) -> tuple[float, float, int]:
    """(coefficient of variation, max/mean, readers) of work units signed per rota hour."""
    hours: dict[str, float] = {}
    for e in rota:
        hours[e.reader_id] = hours.get(e.reader_id, 0.0) + (e.end - e.start).total_seconds() / 3600
    units: dict[str, float] = dict.fromkeys(hours, 0.0)
    for o in outcomes:
        if o.signed_at is not None and o.reader_id is not None:
            units[o.reader_id] = units.get(o.reader_id, 0.0) + o.exam.work_units
    rates = [units[r] / h for r, h in hours.items() if h >= min_hours]
    if not rates:
        return math.nan, math.nan, 0
    mean = sum(rates) / len(rates)
    if mean == 0:
        return 0.0, 0.0, len(rates)
    var = sum((x - mean) ** 2 for x in rates) / len(rates)
    return math.sqrt(var) / mean, max(rates) / mean, len(rates)


def compute_metrics(
    outcomes: Sequence[ExamOutcome], rota: Sequence[RotaEntry], levels: ServiceLevels
) -> Metrics:
    cv, mx, n = load_spread(outcomes, rota)
    return Metrics(
        per_class=class_metrics(outcomes, levels),
        load_cv=cv,
        load_max_over_mean=mx,
        readers_counted=n,
        escalations=sum(1 for o in outcomes if o.escalated),
        reroutes=sum(o.reroutes for o in outcomes),
    )
