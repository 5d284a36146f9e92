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

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal

from . import models as om

# kwargs: withdrawn (bool), now (datetime | None), actor (user | None)
availability_changed = Signal()

SOURCES = (om.OnCallLine, om.Rota, om.RotaShift, om.RotaAssignment, om.ReaderPresence)


def changed(*, withdrawn: bool = False, now=None, actor=None) -> None:
    availability_changed.send(sender=om.ReaderPresence, withdrawn=withdrawn, now=now, actor=actor)


def _saved_or_deleted(sender, **kwargs) -> None:
    changed()


def _m2m(sender, action: str, **kwargs) -> None:
    if action.startswith("post_"):
        changed()


def connect() -> None:
    for model in SOURCES:
        uid = f"oncall-availability-{model._meta.label}"
        post_save.connect(_saved_or_deleted, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_saved_or_deleted, sender=model, dispatch_uid=uid + "-delete")
    m2m_changed.connect(
        _m2m, sender=om.OnCallLine.sites.through, dispatch_uid="oncall-availability-line-sites"
    )
