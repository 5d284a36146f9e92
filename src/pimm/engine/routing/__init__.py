"""Routing of exams ready to read to a reader (internal tele-imaging), Django-free.

Public API (see ``router`` for the rules)::

    state = RoutingState(readers, config)           # once; or rebuilt from the database
    policy = Router()                                # or RoundRobinPolicy() (baseline)
    policy.set_availability(reader_id, Availability(AvailabilityKind.DUTY), now, state)
    decision = policy.route(exam, now, state)        # ASSIGN / HOLD / ESCALATE, French reason
    policy.on_open(exam_id, reader_id, now, state)
    policy.on_sign(exam_id, reader_id, now, state)   # -> decisions for waiting exams
    policy.tick(now, state)                          # open-delay re-routing, deadline escalation
    check_run(exams, readers, rota, state.journal, config)  # independent checker
"""

from pimm.engine.routing.checker import Violation, check_run
from pimm.engine.routing.model import (
    Availability,
    AvailabilityKind,
    Decision,
    DecisionKind,
    Exam,
    Priority,
    Reader,
    RotaEntry,
    RoutingConfig,
    ServiceLevels,
    can_read,
)
from pimm.engine.routing.router import BasePolicy, RoundRobinPolicy, Router
from pimm.engine.routing.state import Event, RoutingState

__all__ = [
    "Availability",
    "AvailabilityKind",
    "BasePolicy",
    "Decision",
    "DecisionKind",
    "Event",
    "Exam",
    "Priority",
    "Reader",
    "RotaEntry",
    "RoundRobinPolicy",
    "Router",
    "RoutingConfig",
    "RoutingState",
    "ServiceLevels",
    "Violation",
    "can_read",
    "check_run",
]
