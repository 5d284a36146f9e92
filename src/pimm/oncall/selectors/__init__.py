"""Reads for on-call pages and exports (no writes), split by feature: ``core`` (rotas, grids,
fairness, who is available when), ``home`` (the home pages, publishing), ``indicators`` (for the
evaluation room). Callers keep ``from pimm.oncall import selectors``."""

from .core import (  # noqa: F401
    Available,
    Fairness,
    FairnessRow,
    Grid,
    GridRow,
    MemberRow,
    OnDuty,
    Presence,
    available_between,
    day_presence,
    duties,
    duty_points_between,
    fairness,
    latest_solve,
    month_grid,
    months_of,
    on_duty_at,
    on_duty_between,
    point_weights,
    presence,
    presences_between,
    published_duties_of,
)
from .home import (  # noqa: F401
    DiffRow,
    PublishDiff,
    _holders,
    attention,
    member_duties,
    month_without_rota,
    next_duties,
    publish_diff,
    swaps_waiting_for,
    unfilled_shifts,
)
from .indicators import (  # noqa: F401
    DutyLoad,
    LineInfo,
    ShiftStat,
    duty_loads,
    lines_of,
    shift_stats,
)
