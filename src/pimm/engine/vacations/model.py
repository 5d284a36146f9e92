"""Dataclasses in and out of the vacation planner (no Django, no solver here).

Vocabulary: a *vacation* is a half-day of one device's time (morning, afternoon, optionally evening
or night). A *share scope* is the set of devices over which the convention fixes each member's time
share: one device (per-device shares) or all devices of a modality (pooled shares).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time


class Part(enum.StrEnum):
    """The half-day a vacation falls in."""

    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"
    NIGHT = "night"


PART_LABELS_FR = {
    Part.MORNING: "matin",
    Part.AFTERNOON: "après-midi",
    Part.EVENING: "soirée",
    Part.NIGHT: "nuit",
}


@dataclass(frozen=True, slots=True)
class Session:
    """One opening session of a device on a weekday (0 = Monday). `end <= start` means next day."""

    weekday: int
    part: Part
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class Closure:
    """Planned maintenance or closure of a device, [start, end)."""

    start: datetime
    end: datetime
    reason: str
    kind: str = "maintenance"  # "maintenance" or "closure"


@dataclass(frozen=True, slots=True)
class Device:
    id: str
    modality: str
    site: str
    sessions: tuple[Session, ...]
    closures: tuple[Closure, ...] = ()
    open_on_holidays: bool = False
    merm_required: int = 1
    requires_presence: bool = (
        False  # interventional / injected: a radiologist of the member on site
    )
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class Member:
    id: str
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class Share:
    member_id: str
    percent: float


@dataclass(frozen=True, slots=True)
class ShareScope:
    """Devices over which the convention fixes time shares (one device, or a modality pool)."""

    code: str
    device_ids: tuple[str, ...]
    shares: tuple[Share, ...]
    label: str = ""

    @classmethod
    def per_device(cls, device: Device, shares: tuple[Share, ...]) -> ShareScope:
        return cls(code=device.id, device_ids=(device.id,), shares=shares, label=device.label)

    @classmethod
    def pooled(
        cls, modality: str, devices: tuple[Device, ...] | list[Device], shares: tuple[Share, ...]
    ) -> ShareScope:
        ids = tuple(sorted(d.id for d in devices if d.modality == modality))
        return cls(
            code=f"pool:{modality}", device_ids=ids, shares=shares, label=f"{modality} (mutualisé)"
        )


@dataclass(frozen=True, slots=True)
class Staffing:
    """MERM on a site for a half-day: weekly pattern (weekday) or one date (a date wins)."""

    site: str
    part: Part
    merm: int
    weekday: int | None = None
    day: date | None = None


@dataclass(frozen=True, slots=True)
class Presence:
    """A radiologist of `member_id` is present on `site` for that half-day (weekly or one date)."""

    member_id: str
    site: str
    part: Part
    weekday: int | None = None
    day: date | None = None


@dataclass(frozen=True, slots=True)
class CarryOver:
    """Deviation carried from a previous period; positive hours = the member received too much."""

    scope_code: str
    member_id: str
    hours: float


@dataclass(frozen=True, slots=True)
class HourClasses:
    """Which vacations are "bad hours" (spread fairly): by part, weekday, public holiday."""

    bad_parts: frozenset[Part] = frozenset({Part.EVENING, Part.NIGHT})
    bad_weekdays: frozenset[int] = frozenset({5, 6})
    holidays_bad: bool = True


@dataclass(frozen=True, slots=True)
class PlanInput:
    """Everything the planner needs for one period [start, end) (end exclusive)."""

    start: date
    end: date
    devices: tuple[Device, ...]
    scopes: tuple[ShareScope, ...]
    members: tuple[Member, ...] = ()
    staffing: tuple[Staffing, ...] | None = None  # None: staffing not checked
    presence: tuple[Presence, ...] = ()
    carry_over: tuple[CarryOver, ...] = ()
    hour_classes: HourClasses = field(default_factory=HourClasses)
    holiday_subdiv: str | None = None  # e.g. "57" for Moselle; None = metropolitan France


@dataclass(frozen=True, slots=True)
class PlanOptions:
    time_limit_s: float = 10.0
    workers: int = 2
    seed: int = 0
    # Stop as soon as each scope's objective is proven within this relative gap of its bound.
    relative_gap: float = 0.01
    # If set, a plan whose largest |deviation| exceeds this many vacations is refused as infeasible.
    max_deviation_vacations: float | None = None


@dataclass(frozen=True, slots=True)
class Vacation:
    id: str
    device_id: str
    site: str
    modality: str
    day: date
    part: Part
    start: datetime
    end: datetime
    minutes: int
    bad: bool
    closed_reason: str | None = None  # None: open

    @property
    def hours(self) -> float:
        return self.minutes / 60


class Status(enum.StrEnum):
    ASSIGNED = "assigned"
    CLOSED = "closed"
    UNSTAFFED = "unstaffed"
    UNASSIGNED = "unassigned"


@dataclass(frozen=True, slots=True)
class VacationAssignment:
    vacation: Vacation
    status: Status
    member_id: str | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class DeviationLine:
    """Deviation of one member in one scope, for one month ("YYYY-MM") or the period (month None).

    Period lines include the carried-in deviation; month lines do not. deviation = assigned -
    target (+ carried in); percent is in points of the scope's operated time.
    """

    scope_code: str
    member_id: str
    month: str | None
    share_percent: float
    total_hours: float
    target_hours: float
    assigned_hours: float
    carried_in_hours: float
    deviation_hours: float
    deviation_percent: float
    deviation_vacations: float
    bad_hours: float = 0.0
    bad_target_hours: float = 0.0


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a plan cannot be made (severity "error") or what the coordinator should know."""

    rule: str
    message: str
    severity: str = "error"
    scope_code: str | None = None
    device_id: str | None = None
    member_id: str | None = None
    month: str | None = None


@dataclass(frozen=True, slots=True)
class VacationPlan:
    feasible: bool
    solver_status: str
    assignments: tuple[VacationAssignment, ...] = ()
    deviations: tuple[DeviationLine, ...] = ()
    carry_over: tuple[CarryOver, ...] = ()
    problems: tuple[Problem, ...] = ()
    max_abs_deviation_hours: float = 0.0
    max_abs_deviation_vacations: float = 0.0
    solve_seconds: float = 0.0
    # Solver quality, in hours: objective (per scope 100 max|dev| + 10 max|bad-hours dev| +
    # 2 sum|dev|, summed), proven lower bound (CP-SAT's or the integrality floor of `bounds.py`,
    # the larger), relative gap, and the floor of the largest |deviation|.
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    max_dev_bound_hours: float | None = None
    integrality_bound: float | None = None  # the solver-independent part of `bound`
    month_seconds: float | None = None  # of solve_seconds, spent spreading counts over months

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")


@dataclass(frozen=True, slots=True)
class Violation:
    """A hard rule broken by a plan, found by the independent checker."""

    rule: str
    message: str
    vacation_id: str | None = None
