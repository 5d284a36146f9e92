"""Shared equipment time: opening hours, closures, slot templates, vacation plans, slots, bookings.

Generated rows (vacations, slots, deviation lines) are written in bulk when a plan is solved or
published: they are audited through their plan's own history (who generated, who published).
Rows users change one by one (hours, closures, templates, plans, bookings) are audited row by row.
"""

from ._base import (  # noqa: F401
    SPECIALISED,
    Part,
    Purpose,
    Weekday,
    _setup_url,
    _week_intervals,
)
from .bookings import (  # noqa: F401
    PSEUDONYM_RE,
    Booking,
    Priority,
    validate_pseudonym,
)
from .plans import (  # noqa: F401
    SOLVER_WORDS,
    ShareDeviation,
    Slot,
    Vacation,
    VacationPlan,
)
from .setup import (  # noqa: F401
    Closure,
    DeviceProfile,
    ExamType,
    OpeningHours,
    SlotTemplate,
    SpecialisedQuota,
)
