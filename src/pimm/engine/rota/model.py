"""Plain dataclasses in and out of the on-call rota engine (no Django, no solver types).

The ``planning`` app translates ORM rows into a :class:`RotaProblem`, calls
:func:`pimm.engine.rota.solver.solve`, and stores the :class:`RotaResult` it gets back.
Identifiers are strings chosen by the caller (database primary keys, codes...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

# Shift categories (the PDSES periods that lines cover).
WEEKNIGHT = "weeknight"
WEEKEND_DAY = "weekend_day"
WEEKEND_NIGHT = "weekend_night"
HOLIDAY_DAY = "holiday_day"
HOLIDAY_NIGHT = "holiday_night"
CATEGORIES = (WEEKNIGHT, WEEKEND_DAY, WEEKEND_NIGHT, HOLIDAY_DAY, HOLIDAY_NIGHT)
NIGHT_CATEGORIES = frozenset({WEEKNIGHT, WEEKEND_NIGHT, HOLIDAY_NIGHT})

GARDE = "garde"  # on site
ASTREINTE = "astreinte"  # on call from home

CATEGORY_LABELS_FR = {
    WEEKNIGHT: "nuit de semaine",
    WEEKEND_DAY: "jour de week-end",
    WEEKEND_NIGHT: "nuit de week-end",
    HOLIDAY_DAY: "jour férié",
    HOLIDAY_NIGHT: "nuit de jour férié",
}

DEFAULT_POINTS = {
    WEEKNIGHT: 1.0,
    WEEKEND_DAY: 1.5,
    WEEKEND_NIGHT: 2.0,
    HOLIDAY_DAY: 2.5,
    HOLIDAY_NIGHT: 2.5,
}


@dataclass(frozen=True)
class Practitioner:
    id: str
    member_id: str
    competences: frozenset[str] = frozenset({"general"})
    working_time: float = 1.0  # 1.0 full time, 0.8, 0.5...
    name: str = ""
    sites: frozenset[str] | None = None  # sites where privileged; None = all sites

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True)
class OnCallLine:
    id: str
    name: str = ""
    competence: str | None = None  # None: any practitioner
    kind: str = GARDE
    categories: tuple[str, ...] = CATEGORIES
    site_ids: tuple[str, ...] = ()
    remote_allowed: bool = False

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True)
class Shift:
    id: str
    line_id: str
    date: date
    start: datetime
    end: datetime
    category: str

    @property
    def is_night(self) -> bool:
        return self.category in NIGHT_CATEGORIES


@dataclass(frozen=True)
class Unavailability:
    """Leave or any absence, both ends inclusive (dates on which no duty may *start*)."""

    practitioner_id: str
    start: date
    end: date
    reason: str = "congés"


@dataclass(frozen=True)
class DayActivity:
    """A day commitment (vacation, consultation): no duty overlapping it, and no night duty that
    ends less than the rest period before it starts (repos de sécurité)."""

    practitioner_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Preference:
    """A wish for (weight > 0) or against (weight < 0) a duty: on a given shift when ``shift_id``
    is set, otherwise on any shift starting on ``date``."""

    practitioner_id: str
    weight: int
    date: date | None = None
    shift_id: str | None = None


@dataclass(frozen=True)
class Assignment:
    shift_id: str
    practitioner_id: str


@dataclass(frozen=True)
class MemberQuota:
    """Share of duty points a member must carry (percent, from the sharing key), ± tolerance."""

    member_id: str
    share_percent: float
    tolerance_percent: float = 5.0


@dataclass(frozen=True)
class RotaSettings:
    max_consecutive_duties: int = 3  # calendar days in a row with a duty starting
    max_nights_per_month: int = 8
    rest_hours: int = 11  # repos de sécurité after a night
    rest_after_astreinte: bool = False  # astreinte nights only give rest when called out
    points: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_POINTS))
    # Multiplier of a duty's points by the kind of its line (e.g. {"astreinte": 0.5}); a kind
    # not listed counts 1. Used by points.shift_points (the load figures people read).
    kind_factors: dict[str, float] = field(default_factory=dict)
    # Spread of normalised load (points per full-time equivalent) that is not penalised: loads
    # are made of whole duties, so perfect equality is usually out of reach.
    fairness_tolerance: float = 1.0


@dataclass(frozen=True)
class RotaProblem:
    practitioners: tuple[Practitioner, ...]
    lines: tuple[OnCallLine, ...]
    shifts: tuple[Shift, ...]
    unavailabilities: tuple[Unavailability, ...] = ()
    day_activities: tuple[DayActivity, ...] = ()
    preferences: tuple[Preference, ...] = ()
    locked: tuple[Assignment, ...] = ()
    previous: tuple[Assignment, ...] = ()  # the published rota, for a minimal-change re-solve
    quotas: tuple[MemberQuota, ...] = ()
    settings: RotaSettings = field(default_factory=RotaSettings)
    carried_points: dict[str, float] = field(default_factory=dict)  # balance from past periods


@dataclass(frozen=True)
class PractitionerLoad:
    practitioner_id: str
    points: float  # this period
    carried: float
    target: float  # fair share of (period + carried) points, proportional to working time
    normalised: float  # (points + carried) / working_time
    counts: dict[str, int]  # duties per category
    nights: int
    duties: int


@dataclass(frozen=True)
class Violation:
    rule: str  # coverage, competence, leave, overlap, rest, consecutive, nights, quota, locked...
    message: str  # French, for people
    shift_ids: tuple[str, ...] = ()
    practitioner_id: str | None = None


@dataclass(frozen=True)
class RotaResult:
    status: str  # OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN, MODEL_INVALID
    assignments: tuple[Assignment, ...]
    objective: float | None
    bound: float | None
    wall_seconds: float
    first_solution_seconds: float | None
    loads: tuple[PractitionerLoad, ...] = ()
    spread: float | None = None  # max - min of normalised load
    gini: float | None = None
    preference_penalty: int | None = None
    changed_cells: int | None = None  # versus problem.previous
    explanation: tuple[str, ...] = ()  # French sentences when infeasible

    @property
    def feasible(self) -> bool:
        return self.status in ("OPTIMAL", "FEASIBLE")

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        if self.objective == 0:
            return 0.0
        return abs(self.objective - self.bound) / abs(self.objective)
