"""Dataclasses of the simulation: arrivals, scenario, per-exam outcome, metrics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pimm.engine.routing.model import Exam, Priority, Reader, RotaEntry, RoutingConfig


@dataclass(frozen=True)
class Arrival:
    """An exam that becomes ready to read, and how long its reading will actually take."""

    exam: Exam
    read_minutes: float  # drawn once per exam: every policy sees the same reading times


@dataclass(frozen=True)
class Scenario:
    readers: tuple[Reader, ...]
    rota: tuple[RotaEntry, ...]
    arrivals: tuple[Arrival, ...]  # sorted by ready time
    start: dt.datetime
    end: dt.datetime  # arrivals stop here; the run goes on while the rota lasts
    config: RoutingConfig = field(default_factory=RoutingConfig)


@dataclass
class ExamOutcome:
    exam: Exam
    read_minutes: float
    first_decision_at: dt.datetime | None = None
    assigned_at: dt.datetime | None = None
    opened_at: dt.datetime | None = None
    signed_at: dt.datetime | None = None
    reader_id: str | None = None
    reroutes: int = 0
    escalated: bool = False

    @property
    def turnaround_minutes(self) -> float | None:
        if self.signed_at is None:
            return None
        return (self.signed_at - self.exam.ready_at).total_seconds() / 60.0


@dataclass(frozen=True)
class ClassMetrics:
    priority: Priority
    count: int
    unsigned: int
    within_target: float  # share, unsigned exams count as late
    median_minutes: float
    p90_minutes: float
    mean_minutes: float  # over signed exams


@dataclass(frozen=True)
class Metrics:
    per_class: tuple[ClassMetrics, ...]
    load_cv: float  # coefficient of variation of work units read per rota hour
    load_max_over_mean: float
    readers_counted: int
    escalations: int
    reroutes: int
