"""French identifiers with their check keys (see ../shared/reference/identifiers.md).

SIREN and SIRET come from python-stdnum. FINESS and RPPS are not in python-stdnum: both carry a
Luhn key on their last digit (FINESS: 9 characters, RPPS: 11 digits); the published FINESS samples
of the ANS all pass it. A failed key is rejected with the number's name in French.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

_DEPARTEMENT = re.compile(r"^(0[1-9]|1\d|2[1-9]|[3-8]\d|9[0-5]|2A|2B|97[1-6])$")


def _compact(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value or "")


def validate_siren(value: str) -> None:
    try:
        stdnum_siren.validate(_compact(value))
    except StdnumError as exc:
        raise ValidationError(
            _("SIREN invalide (%(value)s) : 9 chiffres dont une clé de Luhn."),
            code="siren",
            params={"value": value},
        ) from exc


def validate_siret(value: str) -> None:
    try:
        stdnum_siret.validate(_compact(value))
    except StdnumError as exc:
        raise ValidationError(
            _("SIRET invalide (%(value)s) : 14 chiffres dont une clé de Luhn."),
            code="siret",
            params={"value": value},
        ) from exc


def _luhn_digits(value: str, length: int, label: str, code: str) -> None:
    compact = _compact(value)
    if len(compact) != length or not compact.isdigit():
        raise ValidationError(
            _("%(label)s invalide (%(value)s) : %(length)s chiffres attendus."),
            code=code,
            params={"label": label, "value": value, "length": length},
        )
    if not luhn.is_valid(compact):
        raise ValidationError(
            _("%(label)s invalide (%(value)s) : la clé de contrôle est fausse."),
            code=code,
            params={"label": label, "value": value},
        )


def validate_finess(value: str) -> None:
    compact = _compact(value).upper()
    # Corsica writes 2A/2B in the first two characters; the key is computed on 20.
    if compact[:2] in {"2A", "2B"}:
        compact = "20" + compact[2:]
    _luhn_digits(compact, 9, "FINESS", "finess")


def validate_rpps(value: str) -> None:
    _luhn_digits(value, 11, "RPPS", "rpps")


def validate_departement(value: str) -> None:
    if not _DEPARTEMENT.match((value or "").upper()):
        raise ValidationError(
            _("Département inconnu (%(value)s) : 01 à 95, 2A, 2B ou 971 à 976."),
            code="departement",
            params={"value": value},
        )
