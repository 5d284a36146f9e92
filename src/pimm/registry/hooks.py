"""What the registry publishes to the rooms above it: one hook, sent after any save or delete of
the members, sites, practitioners and their privileges (by any path: services, admin, API,
import, demo). Rooms above subscribe (the worklist's routing inputs); the registry imports none
of them. Bulk writes send nothing: their callers send ``changed()`` themselves."""

from django.dispatch import Signal

from pimm.model_hooks import connect_model_changes

from . import models as m

people_or_places_changed = Signal()

SOURCES = (m.Member, m.Site, m.Practitioner)


def changed() -> None:
    people_or_places_changed.send(sender=m.Practitioner)


def connect() -> None:
    connect_model_changes(
        name="registry-changed",
        models=SOURCES,
        m2m_through=(m.Practitioner.sites.through,),
        notify=changed,
    )
