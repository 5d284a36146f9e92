"""Coverage of the territory: devices per 100,000 inhabitants and the population living within a
given access time of a device of each modality (straight-line distance × road factor at a mean
road speed; communes and populations from `evaluation/data/communes.csv`, see its SOURCE.md)."""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from pimm.registry import selectors as registry

from .base import Context, Indicator, Missing, Row, register

DATA = Path(__file__).resolve().parent.parent / "data" / "communes.csv"
ROAD_FACTOR = 1.3  # road distance / straight-line distance
SPEED_KMH = 60.0  # mean road speed
ACCESS_MINUTES = 30


@dataclass(frozen=True)
class Commune:
    name: str
    departement: str
    lat: float
    lon: float
    population: int


@cache
def communes() -> tuple[Commune, ...]:
    with DATA.open(encoding="utf-8") as fh:
        return tuple(
            Commune(
                r["commune"],
                r["departement"],
                float(r["latitude"]),
                float(r["longitude"]),
                int(r["population"]),
            )
            for r in csv.DictReader(fh)
        )


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius 6371 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def access_minutes(km_straight: float) -> float:
    return km_straight * ROAD_FACTOR / SPEED_KMH * 60.0


def _month_ends(ctx: Context) -> list[tuple[str, dt.date]]:
    out = []
    for key in ctx.months():
        y, m = int(key[:4]), int(key[5:])
        nxt = dt.date(y + (m == 12), 1 if m == 12 else m + 1, 1)
        out.append((key, min(nxt, ctx.end) - dt.timedelta(days=1)))
    return out


def _devices(ctx: Context):
    rows = list(registry.active_equipment(platform_id=ctx.platform_id))
    if ctx.member_id is not None:
        rows = [e for e in rows if ctx.member_id in (e.holder_id, e.site.member_id)]
    if ctx.site_id is not None:
        rows = [e for e in rows if e.site_id == ctx.site_id]
    return rows


def _in_service(e, day: dt.date) -> bool:
    return e.installed_on is None or e.installed_on <= day


def devices_per_100k(ctx: Context):
    people = sum(c.population for c in communes())
    devices = _devices(ctx)
    if not devices:
        return Missing(str(_("Aucun équipement en service n'est enregistré au registre.")))
    out = []
    for key, last in _month_ends(ctx):
        live = [e for e in devices if _in_service(e, last)]
        out.append(Row(key, round(100000 * len(live) / people, 2)))
        by_modality: dict[str, int] = {}
        for e in live:
            by_modality[e.get_modality_display()] = by_modality.get(e.get_modality_display(), 0) + 1
        out += [
            Row(key, round(100000 * n / people, 2), "modality", label)
            for label, n in sorted(by_modality.items())
        ]
    return out


def coverage(ctx: Context):
    minutes = float(ctx.params.get("minutes", ACCESS_MINUTES))
    devices = [
        e for e in _devices(ctx) if e.site.latitude is not None and e.site.longitude is not None
    ]
    if not devices:
        return Missing(str(_("Aucun équipement en service avec un site géolocalisé.")))
    towns = communes()
    people = sum(c.population for c in towns)
    modalities = sorted({e.modality for e in devices})
    labels = {e.modality: e.get_modality_display() for e in devices}
    out = []
    for key, last in _month_ends(ctx):
        live = [e for e in devices if _in_service(e, last)]
        worst = None
        for mod in modalities:
            places = {(e.site.latitude, e.site.longitude) for e in live if e.modality == mod}
            covered = sum(
                c.population
                for c in towns
                if places
                and min(access_minutes(km(c.lat, c.lon, a, b)) for a, b in places) <= minutes
            )
            share = round(100.0 * covered / people, 1)
            out.append(Row(key, share, "modality", str(labels[mod])))
            worst = share if worst is None else min(worst, share)
        out.append(Row(key, worst))
    return out


register(
    Indicator(
        code="devices_per_100k",
        family="territoire",
        name=_("Équipements lourds pour 100 000 habitants"),
        formula=_("équipements en service à la fin du mois × 100 000 ÷ population du territoire"),
        source=_(
            "Registre (équipements, date d'installation) ; populations INSEE des communes du "
            "territoire (data/communes.csv)"
        ),
        unit=_("pour 100 000 hab."),
        limits=_(
            "Le territoire est celui du fichier des communes ; un équipement sans date "
            "d'installation compte depuis toujours."
        ),
        compute=devices_per_100k,
        criterion="coverage",
    )
)
register(
    Indicator(
        code="coverage",
        family="territoire",
        name=_("Population à moins de 30 minutes d'un équipement, par modalité"),
        formula=_(
            "population des communes dont le temps d'accès (distance à vol d'oiseau × 1,3 "
            "à 60 km/h) au site le plus proche d'un équipement de la modalité est ≤ 30 min "
            "÷ population du territoire ; total : la modalité la moins bien couverte"
        ),
        source=_("Registre (sites géolocalisés, équipements) ; populations INSEE des communes"),
        unit="%",
        limits=_(
            "Distance à vol d'oiseau corrigée d'un facteur routier, pas un distancier ; "
            "horaires d'ouverture non pris en compte."
        ),
        compute=coverage,
        criterion="coverage",
    )
)
