import pytest
from django.core.exceptions import ValidationError

from pimm.registry.validators import (
    validate_departement,
    validate_finess,
    validate_rpps,
    validate_siren,
    validate_siret,
)


@pytest.mark.parametrize("value", ["732829320", "732 829 320"])
def test_valid_siren(value):
    validate_siren(value)


@pytest.mark.parametrize("value", ["732829321", "12345678", "ABCDEFGHI"])
def test_invalid_siren(value):
    with pytest.raises(ValidationError, match="SIREN invalide"):
        validate_siren(value)


def test_siret():
    validate_siret("73282932000074")
    with pytest.raises(ValidationError, match="SIRET invalide"):
        validate_siret("73282932000075")


@pytest.mark.parametrize("value", ["060016219", "300017985", "690781810"])
def test_valid_finess_from_ans_samples(value):
    validate_finess(value)


@pytest.mark.parametrize(
    "value,reason", [("060016218", "clé de contrôle"), ("06001621", "9 chiffres")]
)
def test_invalid_finess(value, reason):
    with pytest.raises(ValidationError, match=reason):
        validate_finess(value)


def test_rpps_check_key():
    validate_rpps("10000001015")
    with pytest.raises(ValidationError, match="clé de contrôle"):
        validate_rpps("10000001016")
    with pytest.raises(ValidationError, match="11 chiffres"):
        validate_rpps("1000000101")


@pytest.mark.parametrize("value", ["01", "69", "2A", "2B", "974", "95"])
def test_departements(value):
    validate_departement(value)


@pytest.mark.parametrize("value", ["00", "96", "20", "977", "X"])
def test_bad_departements(value):
    with pytest.raises(ValidationError, match="Département inconnu"):
        validate_departement(value)
