"""Vacation planning: each member's convention share of each device's time, solved with CP-SAT.

Public API: `plan_vacations(PlanInput, PlanOptions) -> VacationPlan`, `check_plan(...)`,
`enumerate_period(...)`, calendar helpers and the dataclasses below.
"""

from .calendar import enumerate_vacations, french_holidays, is_pdses, month_key, weekly_sessions
from .checker import check_plan
from .model import (
    CarryOver,
    Closure,
    DeviationLine,
    Device,
    HourClasses,
    Member,
    Part,
    PlanInput,
    PlanOptions,
    Presence,
    Problem,
    Session,
    Share,
    ShareScope,
    Staffing,
    Status,
    Vacation,
    VacationAssignment,
    VacationPlan,
    Violation,
)
from .solver import enumerate_period, greedy_plan, plan_vacations, validate_input

__all__ = [
    "CarryOver",
    "Closure",
    "DeviationLine",
    "Device",
    "HourClasses",
    "Member",
    "Part",
    "PlanInput",
    "PlanOptions",
    "Presence",
    "Problem",
    "Session",
    "Share",
    "ShareScope",
    "Staffing",
    "Status",
    "Vacation",
    "VacationAssignment",
    "VacationPlan",
    "Violation",
    "check_plan",
    "enumerate_period",
    "enumerate_vacations",
    "french_holidays",
    "greedy_plan",
    "is_pdses",
    "month_key",
    "plan_vacations",
    "validate_input",
    "weekly_sessions",
]
