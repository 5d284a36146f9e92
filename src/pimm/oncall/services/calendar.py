"""Calendar feeds: the private token of a radiologist's iCalendar link."""

from __future__ import annotations

from django.db import transaction

from pimm.engine.i18n import gettext_noop
from pimm.registry.models import Practitioner

from ..models import (
    CalendarToken,
    new_token,
)
from ._base import _save

# --- calendar ----------------------------------------------------------------------------------


def calendar_token_for(*, practitioner: Practitioner) -> CalendarToken:
    token, _created = CalendarToken.objects.get_or_create(practitioner=practitioner)
    return token


def calendar_token_regenerate(*, actor, practitioner: Practitioner) -> CalendarToken:
    token = calendar_token_for(practitioner=practitioner)
    token.token = new_token()
    with transaction.atomic():
        _save(token, actor, gettext_noop("nouveau lien d'agenda"))
    return token
