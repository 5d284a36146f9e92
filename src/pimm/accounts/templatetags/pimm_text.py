"""`{% load pimm_text %}`: `{{ line|engine_text }}` shows an engine message in the reader's
language; `{{ value|oui_non }}` shows a boolean as Oui/Non (None as "—")."""

from django import template
from django.utils.translation import gettext as _

from pimm.accounts.engine_text import translate

register = template.Library()


@register.filter
def engine_text(value) -> str:
    return translate(value)


@register.filter
def oui_non(value) -> str:
    if value is None:
        return "—"
    return _("Oui") if value else _("Non")
