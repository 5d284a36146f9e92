"""A patient pseudonym must not identify the patient: refuse what looks like a NIR or a name.

The booking form and the API ask here before the model's own format check (capitals, digits and
dashes, two digits at least), which a social-security number (15 digits) or ``DUPONT-JEAN-12``
both pass.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

# a NIR: sex, year, month, department (2A/2B for Corsica), commune, order, then the 2-digit key;
# any run of ten digits or more is refused too (a NIR typed with separators, a phone number...)
_NIR = re.compile(r"[12]\d{2}(?:0[1-9]|1[0-2]|[2-9]\d)(?:\d{2}|2A|2B)\d{6}(?:\d{2})?")
_LONG_NUMBER = re.compile(r"\d{10,}")
# four letters in a row read as a word (DUPONT, MARTIN, JEAN); PAT-7F3K21 has three at most
_WORD = re.compile(r"[^\W\d_]{4,}")


def identifying_reason(value: str) -> str | None:
    """Why the value looks like it identifies someone, or None."""
    compact = re.sub(r"[\s.\-_/]", "", (value or "").upper())
    if _NIR.search(compact) or _LONG_NUMBER.search(compact):
        return _("Ceci ressemble à un numéro de sécurité sociale (NIR) : saisissez un pseudonyme.")
    if _WORD.search(value or ""):
        return _("Ceci ressemble à un nom : saisissez un pseudonyme (ex. PAT-7F3K21).")
    return None
