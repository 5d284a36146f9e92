"""Writes of the presence plan (in transactions, audited through simple-history like every
write of the duty room). A presence removed or cut short tells the rooms above at once
(``hooks.availability_changed`` with ``withdrawn``): routing re-routes the queues it emptied."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pimm.registry.models import Practitioner, Site

from .. import hooks
from ..models import ReaderPresence


class PresenceError(ValidationError):
    pass


def _check(practitioner: Practitioner, site: Site | None, start, end) -> None:
    errors = {}
    if start is None or end is None or end <= start:
        errors["end"] = _("La fin doit suivre le début.")
    elif end - start > dt.timedelta(days=7):
        errors["end"] = _("Une présence dure au plus sept jours : saisissez-en plusieurs.")
    if site is not None and not practitioner.sites.filter(pk=site.pk).exists():
        errors["site"] = _("Ce radiologue n'a pas de privilèges sur ce site.")
    if errors:
        raise PresenceError(errors)


def _save(obj, actor) -> None:
    obj._history_user = actor
    obj.save()


@transaction.atomic
def presence_create(
    *,
    practitioner: Practitioner,
    start: dt.datetime,
    end: dt.datetime,
    on_duty: bool = False,
    site: Site | None = None,
    actor=None,
) -> ReaderPresence:
    _check(practitioner, site, start, end)
    presence = ReaderPresence(
        practitioner=practitioner, site=site, start=start, end=end, on_duty=on_duty
    )
    _save(presence, actor)
    return presence


@transaction.atomic
def presence_update(
    *,
    presence: ReaderPresence,
    practitioner: Practitioner,
    start: dt.datetime,
    end: dt.datetime,
    on_duty: bool = False,
    site: Site | None = None,
    actor=None,
    now: dt.datetime | None = None,
) -> ReaderPresence:
    """Change a presence; a reader it no longer makes available now loses their unopened queue
    at once (the hook's ``withdrawn``)."""
    _check(practitioner, site, start, end)
    presence = ReaderPresence.objects.select_for_update().get(pk=presence.pk)
    presence.practitioner, presence.site = practitioner, site
    presence.start, presence.end, presence.on_duty = start, end, on_duty
    _save(presence, actor)
    hooks.changed(withdrawn=True, now=now, actor=actor)
    return presence


@transaction.atomic
def presence_delete(
    *, presence: ReaderPresence, actor=None, now: dt.datetime | None = None
) -> None:
    """Delete a presence; a reader who can no longer read now loses their unopened queue at once."""
    presence._history_user = actor
    presence.delete()
    hooks.changed(withdrawn=True, now=now, actor=actor)
