"""What the duty room publishes to the rooms above it: one hook, sent when who is available when
may have changed.

``availability_changed`` is sent after any save or delete of the duty room's inputs to routing
(lines and their sites, rotas, shifts, assignments, the presence plan), by any path (services,
admin, API, demo), with ``withdrawn=True`` and the moment when a service took availability away
(a presence removed or cut short): routing then re-routes the unopened queues at once. Bulk
writes send nothing: their callers send the hook themselves. Receivers run in the writer's
transaction. The worklist subscribes to it (``worklist.signals``); the duty room never imports
the worklist.
"""

from django.dispatch import Signal

from pimm.model_hooks import connect_model_changes

from . import models as om

# kwargs: withdrawn (bool), now (datetime | None), actor (user | None)
availability_changed = Signal()

SOURCES = (om.OnCallLine, om.Rota, om.RotaShift, om.RotaAssignment, om.ReaderPresence)


def changed(*, withdrawn: bool = False, now=None, actor=None) -> None:
    availability_changed.send(sender=om.ReaderPresence, withdrawn=withdrawn, now=now, actor=actor)


def connect() -> None:
    connect_model_changes(
        name="oncall-availability",
        models=SOURCES,
        m2m_through=(om.OnCallLine.sites.through,),
        notify=changed,
    )
