"""The ledger's pure calculations (Django-free; Decimal in, Decimal out).

- ``allocate``: split an amount between members by weights, to the cent, by the largest
  remainder (Hamilton) method: every share is the floor of its exact value to the cent; the
  cents left over go one each to the largest remainders (ties: the earlier key, in the order
  given). The shares always sum to the amount, and none is negative for a non-negative amount
  (a negative amount, a refund, is split as the opposite of its absolute value's split).
- ``technical_fee_rate``: which rate of the forfait technique applies to the n-th act of a
  device in the year (full up to the reference activity, then tier 1, 2, 3 above the reference
  and the two thresholds; a depreciated device has its own rates).
- ``pay_pool``: a pool shared by points (allocation by points, the same rule).
- ``check_allocation``: the independent checker the tests and the services call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


class AllocationError(ValueError):
    """A key that cannot share an amount (French message)."""


def _cents(amount: Decimal) -> int:
    q = amount.quantize(CENT)
    if q != amount:
        raise AllocationError(f"Le montant {amount} n'est pas arrondi au centime.")
    return int(q * 100)


def allocate(amount: Decimal, weights: Mapping[str, Decimal] | Sequence[tuple[str, Decimal]]):
    """``{key: share}`` summing exactly to ``amount`` (cents), shares proportional to the
    weights (any non-negative numbers, not all zero)."""
    items = list(weights.items() if isinstance(weights, Mapping) else weights)
    if not items:
        raise AllocationError("La clé de répartition ne désigne aucun membre.")
    if any(Decimal(w) < 0 for _, w in items):
        raise AllocationError("Une clé de répartition ne peut pas être négative.")
    total_w = sum((Decimal(w) for _, w in items), Decimal(0))
    if total_w <= 0:
        raise AllocationError("La clé de répartition est nulle pour tous les membres.")
    cents = _cents(Decimal(amount))
    sign = -1 if cents < 0 else 1
    cents = abs(cents)
    floors: list[int] = []
    remainders: list[tuple[Decimal, int]] = []
    for i, (_, w) in enumerate(items):
        exact = Decimal(cents) * Decimal(w) / total_w
        f = int(exact.to_integral_value(rounding=ROUND_FLOOR))
        floors.append(f)
        remainders.append((exact - f, -i))
    left = cents - sum(floors)
    for _, neg_i in sorted(remainders, reverse=True)[:left]:
        floors[-neg_i] += 1
    return {k: sign * Decimal(f) / 100 for (k, _), f in zip(items, floors, strict=True)}


def check_allocation(amount: Decimal, shares: Mapping[str, Decimal]) -> list[str]:
    """Independent checker: the problems of an allocation (empty list when it is sound)."""
    problems = []
    if sum(shares.values(), Decimal(0)) != Decimal(amount):
        problems.append(f"La répartition ne somme pas au total {amount}.")
    for k, v in shares.items():
        if v.quantize(CENT) != v:
            problems.append(f"La part de {k} n'est pas arrondie au centime.")
        if (amount >= 0 and v < 0) or (amount < 0 and v > 0):
            problems.append(f"La part de {k} est de signe contraire au total.")
    return problems


def check_percent_key(percents: Mapping[str, Decimal], members: Sequence[str]) -> list[str]:
    """A key in percent: covers every member given, sums to exactly 100 %."""
    problems = []
    missing = [m for m in members if m not in percents]
    if missing:
        problems.append(
            "La clé ne couvre pas le(s) membre(s) : " + ", ".join(sorted(missing)) + "."
        )
    total = sum(percents.values(), Decimal(0))
    if total != HUNDRED:
        problems.append(f"La clé somme à {total} % au lieu de 100 %.")
    if any(v < 0 for v in percents.values()):
        problems.append("Une part de la clé est négative.")
    return problems


def mix(parts: Sequence[tuple[Decimal, Mapping[str, Decimal]]]) -> dict[str, Decimal]:
    """Weighted mix of several keys, each normalised to a fraction first: ``[(weight, key)]``."""
    out: dict[str, Decimal] = {}
    for weight, key in parts:
        total = sum(key.values(), Decimal(0))
        if total <= 0 or weight == 0:
            continue
        for k, v in key.items():
            out[k] = out.get(k, Decimal(0)) + Decimal(weight) * Decimal(v) / total
    return out


# ---- the technical fee (forfait technique) -------------------------------------------------


@dataclass(frozen=True)
class TechnicalFeeScale:
    """One modality's technical-fee rates and thresholds in force (acts per device per year)."""

    reference: int  # activité de référence
    threshold1: int
    threshold2: int
    full: Decimal  # non-depreciated device: full rate (tiers apply as for a depreciated one)
    depreciated_full: Decimal
    depreciated_tier1: Decimal
    depreciated_tier2: Decimal
    depreciated_tier3: Decimal
    depreciation_years: int = 7


def is_depreciated(installed_on: dt.date | None, on: dt.date, years: int = 7) -> bool:
    """Over ``years`` full years in service on 1 January of the act's year (unknown date: no)."""
    if installed_on is None:
        return False
    jan1 = dt.date(on.year, 1, 1)
    try:
        anniversary = installed_on.replace(year=installed_on.year + years)
    except ValueError:  # 29 February
        anniversary = dt.date(installed_on.year + years, 3, 1)
    return anniversary <= jan1


def technical_fee_tier(rank: int, scale: TechnicalFeeScale) -> int:
    """0 = up to the reference activity, 1 = above it up to threshold 1, 2 = up to threshold 2,
    3 = above threshold 2. ``rank`` is the act's number in the device's year (1-based)."""
    if rank <= scale.reference:
        return 0
    if rank <= scale.threshold1:
        return 1
    if rank <= scale.threshold2:
        return 2
    return 3


def technical_fee_rate(rank: int, scale: TechnicalFeeScale, depreciated: bool) -> Decimal:
    tier = technical_fee_tier(rank, scale)
    if depreciated:
        return (
            scale.depreciated_full,
            scale.depreciated_tier1,
            scale.depreciated_tier2,
            scale.depreciated_tier3,
        )[tier]
    if tier == 0:
        return scale.full
    # ASSUMPTION (docs/ledger.md): a non-depreciated device above the reference activity gets
    # the depreciated tier rate plus the same gap as at full rate; the sourced extract has only
    # the non-depreciated full rate.
    gap = scale.full - scale.depreciated_full
    return (scale.depreciated_tier1, scale.depreciated_tier2, scale.depreciated_tier3)[
        tier - 1
    ] + gap


# ---- pay by points ------------------------------------------------------------------------


@dataclass(frozen=True)
class PayLine:
    practitioner: str
    activity_points: Decimal
    duty_points: Decimal
    points: Decimal
    amount: Decimal


def pay_pool(
    pool: Decimal,
    activity: Mapping[str, Decimal],
    duties: Mapping[str, Decimal],
    activity_weight: Decimal = Decimal(1),
    duty_weight: Decimal = Decimal(1),
) -> list[PayLine]:
    """Share ``pool`` by points = activity × weight + duty points × weight (largest remainder).
    Nobody with points: nothing is paid (empty list)."""
    people = sorted(set(activity) | set(duties))
    points = {
        p: Decimal(activity.get(p, 0)) * activity_weight + Decimal(duties.get(p, 0)) * duty_weight
        for p in people
    }
    if not people or sum(points.values(), Decimal(0)) <= 0:
        return []
    shares = allocate(pool, [(p, points[p]) for p in people])
    return [
        PayLine(
            p,
            Decimal(activity.get(p, 0)) * activity_weight,
            Decimal(duties.get(p, 0)) * duty_weight,
            points[p],
            shares[p],
        )
        for p in people
    ]
