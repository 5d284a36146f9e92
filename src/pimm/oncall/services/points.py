"""Duty points: the balances carried from one year to the next."""

from __future__ import annotations

from collections import defaultdict

from pimm.registry.models import Platform, Practitioner

from .. import selectors
from ..models import (
    PointBalance,
    Rota,
    RotaAssignment,
)
from ._base import S

# --- points ------------------------------------------------------------------------------------


def point_balances_refresh_from(*, platform: Platform, year: int) -> None:
    """Refresh ``year`` and every later year that has published duties or balances, in order:
    each year's carry-over is the balance the year before ends with."""
    last = max(
        [year]
        + [
            r.end.year
            for r in Rota.objects.filter(platform=platform, status=S.PUBLISHED).only("end")
        ]
        + list(
            PointBalance.objects.filter(practitioner__member__platform=platform).values_list(
                "year", flat=True
            )
        )
    )
    for y in range(year, last + 1):
        point_balances_refresh(platform=platform, year=y)


def point_balances_refresh(*, platform: Platform, year: int) -> None:
    """Recompute each practitioner's points of ``year`` from the published rotas, the fair target
    (the year's points shared by working time) and the carry-over from the year before."""
    weights = selectors.point_weights(platform_id=platform.pk)
    earned: dict[int, float] = defaultdict(float)
    for pid, cat, kind in RotaAssignment.objects.filter(
        shift__rota__platform=platform,
        shift__rota__status=S.PUBLISHED,
        shift__date__year=year,
    ).values_list("practitioner_id", "shift__category", "shift__line__kind"):
        earned[pid] += weights.of(cat, kind)
    people = list(
        Practitioner.objects.filter(member__platform=platform)
        .filter(active=True)
        .only("pk", "working_time")
    ) + list(Practitioner.objects.filter(pk__in=earned, active=False).only("pk", "working_time"))
    total = sum(earned.values())
    wt = sum(float(p.working_time) for p in people if p.active) or 1.0
    previous = {
        b.practitioner_id: b.balance
        for b in PointBalance.objects.filter(year=year - 1, practitioner__in=people)
    }
    existing = {
        b.practitioner_id: b
        for b in PointBalance.objects.filter(year=year, practitioner__in=people)
    }
    for p in people:
        b = existing.get(p.pk) or PointBalance(practitioner=p, year=year)
        values = (
            round(previous.get(p.pk, 0.0), 2),
            round(earned.get(p.pk, 0.0), 2),
            round(total * float(p.working_time) / wt, 2) if p.active else 0.0,
        )
        if b.pk and (b.carried_in, b.earned, b.target) == values:
            continue
        b.carried_in, b.earned, b.target = values
        b.save()
