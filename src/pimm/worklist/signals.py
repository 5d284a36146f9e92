"""Routing inputs follow their sources: a reader, a privilege, a member's kind, a presence, a
published rota or a service level saved or deleted by any path (services, admin, API, demo)
replaces the routing generation, so that every process reloads what it keeps in memory
(``worklist.inputs``). Bulk writes send no signal: their callers call ``inputs.bump``."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from pimm.oncall import models as om
from pimm.registry import models as rm
from pimm.worklist import inputs
from pimm.worklist import models as w

SOURCES = (
    rm.Member,
    rm.Site,
    rm.Practitioner,
    w.ReaderPresence,
    w.PriorityClass,
    om.OnCallLine,
    om.Rota,
    om.RotaShift,
    om.RotaAssignment,
)
M2M_SOURCES = (rm.Practitioner.sites.through, om.OnCallLine.sites.through)


def _changed(sender, **kwargs) -> None:
    inputs.bump()


def _m2m_changed(sender, action: str, **kwargs) -> None:
    if action.startswith("post_"):
        inputs.bump()


def connect() -> None:
    for model in SOURCES:
        uid = f"routing-inputs-{model._meta.label}"
        post_save.connect(_changed, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=uid + "-delete")
    for through in M2M_SOURCES:
        m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=f"routing-{through}")
