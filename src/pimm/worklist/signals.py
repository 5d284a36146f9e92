"""Routing inputs follow their sources: the worklist subscribes to the hooks its sources publish
(``registry.hooks``: a member, site, reader or privilege changed; ``oncall.hooks``: who is
available when changed) and to its own service levels; any of them bumps the routing generation
in the writer's own transaction, so that every process reloads what it keeps in memory
(``worklist.inputs``). When the duty room took availability away (a presence removed or cut
short), the unopened queues of readers who can no longer read are re-routed at once."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from pimm.oncall import hooks as oncall_hooks
from pimm.registry import hooks as registry_hooks
from pimm.worklist import inputs, services
from pimm.worklist import models as w


def _changed(sender, **kwargs) -> None:
    inputs.bump()


def _availability_changed(sender, withdrawn: bool = False, now=None, actor=None, **kw) -> None:
    inputs.bump()
    if withdrawn:
        services.queues_of_readers_gone(now=now, actor=actor)


def connect() -> None:
    registry_hooks.people_or_places_changed.connect(_changed, dispatch_uid="routing-registry")
    oncall_hooks.availability_changed.connect(
        _availability_changed, dispatch_uid="routing-availability"
    )
    uid = "routing-inputs-priority-class"
    post_save.connect(_changed, sender=w.PriorityClass, dispatch_uid=uid + "-save")
    post_delete.connect(_changed, sender=w.PriorityClass, dispatch_uid=uid + "-delete")
