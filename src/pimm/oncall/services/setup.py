"""Set-up of the duty room: on-call lines and their sites, duty point weights."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pimm.engine.i18n import gettext_noop
from pimm.engine.rota import model as em
from pimm.registry.models import Platform, Site

from ..models import (
    OnCallLine,
    PointWeights,
    Rota,
)
from ._base import S, _require, _save
from .points import point_balances_refresh_from

# --- lines -------------------------------------------------------------------------------------


def line_save(*, actor, line: OnCallLine, sites: list[Site]) -> OnCallLine:
    _require(actor, "line_write")
    if not sites:
        raise ValidationError({"sites": _("Une ligne couvre au moins un site.")})
    if not line.categories:
        raise ValidationError({"categories": _("Choisissez au moins un horaire couvert.")})
    line.full_clean()
    with transaction.atomic():
        _save(line, actor)
        line.sites.set(sites)
    return line


# --- point weights -----------------------------------------------------------------------------

WEIGHT_FIELDS = (*em.CATEGORIES, "astreinte_percent")


def point_weights_save(*, actor, platform: Platform, values: dict) -> PointWeights:
    """Store the platform's duty points; the year's balances are re-counted with them."""
    _require(actor, "weights_write")
    unknown = set(values) - set(WEIGHT_FIELDS)
    if unknown:
        raise ValidationError(
            {k: _("Pondération inconnue.") for k in sorted(unknown)}  # API callers only
        )
    weights = PointWeights.objects.filter(platform=platform).first()
    weights = weights or PointWeights.defaults(platform)
    for name, value in values.items():
        setattr(weights, name, value)
    weights.full_clean()
    weights._settings = None
    with transaction.atomic():
        _save(weights, actor, gettext_noop("pondérations des gardes"))
        first = Rota.objects.filter(platform=platform, status=S.PUBLISHED).order_by("start").first()
        if first is not None:
            point_balances_refresh_from(platform=platform, year=first.start.year)
    return weights
