"""Wishes: unavailabilities and preferences the solver weighs."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pimm.registry.models import Practitioner

from .. import access
from ..models import (
    Preference,
    Unavailability,
)
from ._base import _require, _save

# --- wishes ------------------------------------------------------------------------------------


def _check_practitioner_scope(actor, practitioner: Practitioner) -> None:
    _require(actor, "wishes")
    if access.role(actor) in access.MANAGERS:
        return
    own = access.own_practitioner(actor)
    if own is None or own.pk != practitioner.pk:
        raise PermissionDenied(_("Vous ne gérez que vos propres indisponibilités et souhaits."))


def unavailability_create(
    *, actor, practitioner: Practitioner, start: dt.date, end: dt.date, reason: str = "congés"
) -> Unavailability:
    _check_practitioner_scope(actor, practitioner)
    u = Unavailability(practitioner=practitioner, start=start, end=end, reason=reason or "congés")
    if end < start:
        raise ValidationError({"end": _("La fin précède le début.")})
    u.full_clean()
    with transaction.atomic():
        _save(u, actor)
    return u


def unavailability_delete(*, actor, unavailability: Unavailability) -> None:
    _check_practitioner_scope(actor, unavailability.practitioner)
    with transaction.atomic():
        unavailability._history_user = actor
        unavailability.delete()


def preference_create(
    *, actor, practitioner: Practitioner, date: dt.date, weight: int, note: str = ""
) -> Preference:
    _check_practitioner_scope(actor, practitioner)
    p = Preference(practitioner=practitioner, date=date, weight=weight, note=note)
    if weight == 0:
        raise ValidationError({"weight": _("Un souhait est positif ou négatif, pas nul.")})
    p.full_clean()
    with transaction.atomic():
        _save(p, actor)
    return p


def preference_delete(*, actor, preference: Preference) -> None:
    _check_practitioner_scope(actor, preference.practitioner)
    with transaction.atomic():
        preference._history_user = actor
        preference.delete()
