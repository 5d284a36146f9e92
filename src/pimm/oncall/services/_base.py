"""Shared by the modules of this package."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils.translation import gettext as _

from .. import access
from ..models import (
    Rota,
)

log = logging.getLogger(__name__)

MAX_DAYS = 366

S = Rota.Status


class StaleRota(ValidationError):
    """The rota changed since the user loaded it."""


def _require(actor, action: str) -> None:
    if not access.can(actor, action):
        raise PermissionDenied(_("Vous n'avez pas le droit de faire cette action."))


def _bump(rota: Rota, expected_version: int | None) -> None:
    """Increase the rota's version if it is still ``expected_version`` (None: whatever it is)."""
    qs = Rota.objects.filter(pk=rota.pk)
    if expected_version is not None:
        qs = qs.filter(version=expected_version)
    if qs.update(version=F("version") + 1) == 0:
        current = Rota.objects.filter(pk=rota.pk).values_list("version", flat=True).first()
        raise StaleRota(
            _(
                "Ce tableau a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert "
                "(votre version : %(mine)s, version actuelle : %(current)s). Rechargez la page : "
                "rien n'a été enregistré."
            )
            % {"mine": expected_version, "current": current}
        )
    rota.version = Rota.objects.values_list("version", flat=True).get(pk=rota.pk)


def _save(obj, actor, reason: str = "") -> None:
    obj._history_user = actor
    if reason:
        obj._change_reason = reason
    obj.save()
