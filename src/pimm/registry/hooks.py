"""What the registry publishes to the rooms above it: one hook, sent after any save or delete of
the members, sites, practitioners and their privileges (by any path: services, admin, API,
import, demo). Rooms above subscribe (the worklist's routing inputs); the registry imports none
of them. Bulk writes send nothing: their callers send ``changed()`` themselves."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal

from . import models as m

people_or_places_changed = Signal()

SOURCES = (m.Member, m.Site, m.Practitioner)


def changed() -> None:
    people_or_places_changed.send(sender=m.Practitioner)


def _saved_or_deleted(sender, **kwargs) -> None:
    changed()


def _m2m(sender, action: str, **kwargs) -> None:
    if action.startswith("post_"):
        changed()


def connect() -> None:
    for model in SOURCES:
        uid = f"registry-changed-{model._meta.label}"
        post_save.connect(_saved_or_deleted, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_saved_or_deleted, sender=model, dispatch_uid=uid + "-delete")
    m2m_changed.connect(
        _m2m, sender=m.Practitioner.sites.through, dispatch_uid="registry-changed-privileges"
    )
