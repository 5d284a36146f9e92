"""Writes for on-call duty, each in one transaction, checked against the actor's rights.

Every change to a rota goes through ``_bump``: a conditional UPDATE on ``Rota.version`` that
refuses a stale version (optimistic locking: two coordinators never overwrite each other
silently). Every cell written after publication (swap, give-away) is checked by the engine's
independent checker first, and audited through simple-history.
"""

from ._base import (  # noqa: F401
    MAX_DAYS,
    S,
    StaleRota,
    _bump,
    _require,
    _save,
    log,
)
from .calendar import (  # noqa: F401
    calendar_token_for,
    calendar_token_regenerate,
)
from .points import (  # noqa: F401
    point_balances_refresh,
    point_balances_refresh_from,
)
from .presence import (  # noqa: F401
    PresenceError,
    presence_create,
    presence_delete,
    presence_update,
)
from .rotas import (  # noqa: F401
    _check_declared_quotas,
    _editable,
    _store_result,
    rota_cell_lock,
    rota_create,
    rota_publish,
    rota_revise,
    rota_revise_for_absence,
    rota_solve_run,
    rota_solve_start,
    rota_solve_stop,
)
from .setup import (  # noqa: F401
    WEIGHT_FIELDS,
    line_save,
    point_weights_save,
)
from .swaps import (  # noqa: F401
    _apply,
    _change,
    _holder,
    _is_party,
    _refuse,
    swap_accept,
    swap_approve,
    swap_cancel,
    swap_check,
    swap_choices,
    swap_propose,
    swap_refuse,
)
from .wishes import (  # noqa: F401
    _check_practitioner_scope,
    preference_create,
    preference_delete,
    unavailability_create,
    unavailability_delete,
)
