"""Generate identifiers with valid check keys, so demo data passes the registry's validation."""

import random


def luhn_check_digit(body: str) -> str:
    """The digit that makes `body + digit` pass the Luhn test."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def make_siren(rng: random.Random) -> str:
    body = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(7))
    return body + luhn_check_digit(body)


def make_siret(siren: str, rng: random.Random) -> str:
    body = siren + "".join(str(rng.randint(0, 9)) for _ in range(4))
    return body + luhn_check_digit(body)


def make_finess(departement: str, rng: random.Random) -> str:
    dep = {"2A": "20", "2B": "20"}.get(departement, departement)[:2].zfill(2)
    body = dep + "".join(str(rng.randint(0, 9)) for _ in range(6))
    return body + luhn_check_digit(body)


def make_rpps(rng: random.Random) -> str:
    body = "10" + "".join(str(rng.randint(0, 9)) for _ in range(8))
    return body + luhn_check_digit(body)
