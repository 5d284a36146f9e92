"""A realistic, seeded, scalable PIMM as plain dataclasses (Django-free).

Scale 1 is one territory: a GHT lead hospital (two sites), two other hospitals (one public, one
private clinic) and two private radiology groups, 6 sites, 12 heavy devices, 60 radiologists and
about 120 technologists. Scale N adds N-1 more territories in other départements (towns and
coordinates are real), so every figure grows about N-fold while staying one platform.

Dates follow ``today``: the demo loaded by ``make demo`` is the PIMM as it stands on the day it is
loaded (authorisations in force, one ending soon; the period starting on the first of the current
month). Benches and engine demos keep ``REFERENCE_DAY`` so that their figures are reproducible.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from pimm.demo.identifiers import make_finess, make_rpps, make_siren

COMPETENCES = ("general", "neuro", "paediatric", "breast", "interventional", "cardiac", "msk")
MODALITIES = ("CT", "MRI", "PET_CT", "GAMMA", "INTERV")
REFERENCE_DAY = dt.date(2027, 1, 4)  # benches: the same problem whatever the day they run
ENDING_SOON_DAYS = 45  # one device's authorisation ends this soon, to show the renewal alert
ONCALL_HOURS = ("weeknight", "weekend_day", "weekend_night", "holiday_day", "holiday_night")


@dataclass(frozen=True)
class DemoPlatform:
    name: str
    legal_form: str
    siren: str
    ars_decision: str
    authorized_on: dt.date
    region: str


@dataclass(frozen=True)
class DemoMember:
    code: str
    name: str
    kind: str  # public_hospital | private_hospital | private_group
    finess: str | None
    siren: str
    is_ght_lead: bool = False


@dataclass(frozen=True)
class DemoSite:
    code: str
    name: str
    member_code: str
    town: str
    departement: str
    postcode: str
    lat: float
    lon: float
    finess: str | None = None


@dataclass(frozen=True)
class DemoEquipment:
    code: str
    name: str
    modality: str
    site_code: str
    member_code: str  # holder of the ARS authorisation
    manufacturer: str
    installed_on: dt.date
    authorization_number: str
    authorized_on: dt.date


@dataclass(frozen=True)
class DemoPractitioner:
    code: str
    rpps: str
    first_name: str
    last_name: str
    member_code: str
    status: str  # public | private
    competences: tuple[str, ...]
    working_time: float
    site_codes: tuple[str, ...]


@dataclass(frozen=True)
class DemoTechnologist:
    code: str
    first_name: str
    last_name: str
    member_code: str
    site_code: str
    working_time: float
    modalities: tuple[str, ...]


@dataclass(frozen=True)
class DemoSharingKey:
    member_code: str
    time_share: float
    revenue_share: float
    cost_share: float


@dataclass(frozen=True)
class DemoOnCallLine:
    code: str
    name: str
    site_codes: tuple[str, ...]
    kind: str  # garde | astreinte
    remote_allowed: bool
    competence: str | None
    hours: tuple[str, ...]


@dataclass(frozen=True)
class DemoPimm:
    platform: DemoPlatform
    start_date: dt.date
    members: tuple[DemoMember, ...]
    sites: tuple[DemoSite, ...]
    equipment: tuple[DemoEquipment, ...]
    practitioners: tuple[DemoPractitioner, ...]
    technologists: tuple[DemoTechnologist, ...]
    sharing_keys: tuple[DemoSharingKey, ...]
    oncall_lines: tuple[DemoOnCallLine, ...]
    seed: int = 42
    scale: int = 1
    extra: dict = field(default_factory=dict, compare=False, hash=False)


# Territories: (GHT hospital town, second GHT site town, public hospital town, clinic town,
# group A town, group B town); each town: (name, département, postcode, lat, lon).
_TERRITORIES: tuple[tuple[tuple[str, str, str, float, float], ...], ...] = (
    (
        ("Vienne", "38", "38200", 45.5242, 4.8781),
        ("Givors", "69", "69700", 45.5906, 4.7689),
        ("Bourgoin-Jallieu", "38", "38300", 45.5866, 5.2734),
        ("Villefranche-sur-Saône", "69", "69400", 45.9898, 4.7197),
        ("Vienne", "38", "38200", 45.5210, 4.8740),
        ("Bourgoin-Jallieu", "38", "38300", 45.5960, 5.2800),
    ),
    (
        ("Metz", "57", "57000", 49.1193, 6.1757),
        ("Thionville", "57", "57100", 49.3579, 6.1684),
        ("Sarreguemines", "57", "57200", 49.1099, 7.0684),
        ("Forbach", "57", "57600", 49.1880, 6.8960),
        ("Metz", "57", "57000", 49.1100, 6.1700),
        ("Thionville", "57", "57100", 49.3500, 6.1600),
    ),
    (
        ("Clermont-Ferrand", "63", "63000", 45.7772, 3.0870),
        ("Riom", "63", "63200", 45.8936, 3.1126),
        ("Vichy", "03", "03200", 46.1277, 3.4260),
        ("Issoire", "63", "63500", 45.5442, 3.2490),
        ("Clermont-Ferrand", "63", "63000", 45.7700, 3.0800),
        ("Vichy", "03", "03200", 46.1300, 3.4200),
    ),
    (
        ("Annecy", "74", "74000", 45.8992, 6.1294),
        ("Annemasse", "74", "74100", 46.1934, 6.2342),
        ("Chambéry", "73", "73000", 45.5646, 5.9178),
        ("Aix-les-Bains", "73", "73100", 45.6885, 5.9153),
        ("Annecy", "74", "74000", 45.9050, 6.1200),
        ("Chambéry", "73", "73000", 45.5700, 5.9200),
    ),
    (
        ("Strasbourg", "67", "67000", 48.5734, 7.7521),
        ("Haguenau", "67", "67500", 48.8156, 7.7906),
        ("Colmar", "68", "68000", 48.0794, 7.3585),
        ("Mulhouse", "68", "68100", 47.7508, 7.3359),
        ("Strasbourg", "67", "67000", 48.5800, 7.7400),
        ("Colmar", "68", "68000", 48.0800, 7.3600),
    ),
    (
        ("Valence", "26", "26000", 44.9334, 4.8924),
        ("Montélimar", "26", "26200", 44.5581, 4.7509),
        ("Privas", "07", "07000", 44.7353, 4.5992),
        ("Romans-sur-Isère", "26", "26100", 45.0435, 5.0510),
        ("Valence", "26", "26000", 44.9300, 4.8900),
        ("Montélimar", "26", "26200", 44.5600, 4.7500),
    ),
)

_FIRST = (
    "Camille Léa Manon Chloé Emma Inès Sarah Julie Claire Hélène Anne Marie Lucie Pauline Alice "
    "Thomas Nicolas Julien Antoine Pierre Louis Hugo Maxime Mathieu Vincent Olivier Laurent "
    "Sébastien François Guillaume Arnaud Benoît Cécile Élodie Sophie Aurélie Nathalie Isabelle "
    "Karim Mehdi Yasmine Nadia Samir Thi Minh Paul Jean Étienne Gaëlle Solène Romain Adrien"
).split()
_LAST = (
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre "
    "Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Lefèvre Mercier Dupont "
    "Lambert Bonnet François Martinez Legrand Garnier Faure Rousseau Blanc Guérin Muller Henry "
    "Roussel Nicolas Perrin Morin Mathieu Clément Gauthier Dumont Lopez Fontaine Chevalier Robin "
    "Masson Sanchez Gérard Nguyen Boyer Denis Lemaire Duval Joly Gautier Roger Roche Roy Noël "
    "Meyer Lucas Meunier Jean Perez Marchand Dufour Blanchard Marie Barbier Brun Dumas Brunet "
    "Schmitt Leroux Colin Fernandez Pierre Renard Arnaud Rolland Caron Aubert Giraud Leclerc"
).split()

# (modality, site index, owner member index, manufacturer)
_EQUIPMENT_PLAN = (
    ("CT", 0, 0, "Siemens Healthineers"),
    ("CT", 0, 0, "GE HealthCare"),
    ("MRI", 0, 3, "Philips"),
    ("INTERV", 0, 0, "Siemens Healthineers"),
    ("CT", 1, 0, "Canon Medical"),
    ("CT", 2, 1, "GE HealthCare"),
    ("MRI", 2, 4, "Siemens Healthineers"),
    ("CT", 3, 2, "Philips"),
    ("MRI", 3, 2, "GE HealthCare"),
    ("PET_CT", 3, 2, "Siemens Healthineers"),
    ("MRI", 4, 3, "Canon Medical"),
    ("CT", 5, 4, "Siemens Healthineers"),
)

_MODALITY_LABEL = {
    "CT": "Scanner",
    "MRI": "IRM",
    "PET_CT": "TEP-TDM",
    "GAMMA": "Gamma-caméra",
    "INTERV": "Salle interventionnelle",
}

# members per territory: (kind, name pattern, radiologists, share %)
_MEMBER_PLAN = (
    ("public_hospital", "Centre hospitalier de {town}", 20, 35.0),
    ("public_hospital", "Centre hospitalier de {town}", 8, 15.0),
    ("private_hospital", "Clinique du Parc — {town}", 0, 10.0),
    ("private_group", "SELARL Imagerie de {town}", 16, 20.0),
    ("private_group", "SCM Radiologie {town}", 16, 20.0),
)
# which town of the territory each member is in (index into _TERRITORIES[i])
_MEMBER_TOWN = (0, 2, 3, 4, 5)
# sites: (member index, town index, label)
_SITE_PLAN = (
    (0, 0, "Hôpital {town} — plateau d'imagerie"),
    (0, 1, "Hôpital {town} — site de proximité"),
    (1, 2, "Hôpital {town} — imagerie"),
    (2, 3, "Clinique du Parc — {town}"),
    (3, 4, "Cabinet d'imagerie {town} Centre"),
    (4, 5, "Centre de radiologie {town}"),
)


def _pick_competences(rng: random.Random, member_kind: str) -> tuple[str, ...]:
    comps = ["general"]
    for comp, p in (
        ("neuro", 0.2),
        ("paediatric", 0.12),
        ("breast", 0.18),
        ("interventional", 0.15 if member_kind == "public_hospital" else 0.1),
        ("cardiac", 0.1),
        ("msk", 0.18),
    ):
        if rng.random() < p:
            comps.append(comp)
    return tuple(comps)


# on-call lines need enough holders of their competence in each territory
_MIN_PER_TERRITORY = {"neuro": 12, "interventional": 9, "paediatric": 6}


def _ensure_minimum(
    practitioners: list[DemoPractitioner], site_codes: tuple[str, ...], rng: random.Random
) -> None:
    # the territory's lines all cover its first site (the GHT hospital)
    idx = [i for i, p in enumerate(practitioners) if site_codes[0] in p.site_codes]
    for comp, minimum in _MIN_PER_TERRITORY.items():
        lacking = [i for i in idx if comp not in practitioners[i].competences]
        missing = minimum - (len(idx) - len(lacking))
        for i in rng.sample(lacking, max(0, missing)):
            p = practitioners[i]
            practitioners[i] = DemoPractitioner(
                **{**p.__dict__, "competences": (*p.competences, comp)}
            )


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _first_of_month(day: dt.date, months_back: int = 0) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months_back, 12)
    return dt.date(year, month + 1, 1)


def generate(seed: int = 42, scale: int = 1, today: dt.date = REFERENCE_DAY) -> DemoPimm:
    """Build the demo PIMM as it stands on ``today``: the same seed, scale and day always give
    the same data."""
    if scale < 1:
        raise ValueError("scale must be >= 1")
    rng = random.Random(seed)
    start = _first_of_month(today)
    authorized = _first_of_month(today, months_back=9)  # the PIMM is in its first year
    platform = DemoPlatform(
        name="PIMM Rhône-Isère" if scale == 1 else f"PIMM régional (×{scale})",
        legal_form="GCS de moyens",
        siren=make_siren(rng),
        ars_decision=f"ARS-ARA-{authorized.year}-PIMM-0042",
        authorized_on=authorized,
        region="Auvergne-Rhône-Alpes",
    )
    members: list[DemoMember] = []
    sites: list[DemoSite] = []
    equipment: list[DemoEquipment] = []
    practitioners: list[DemoPractitioner] = []
    technologists: list[DemoTechnologist] = []
    keys: list[DemoSharingKey] = []
    lines: list[DemoOnCallLine] = []
    used_names: set[tuple[str, str]] = set()

    def person_name() -> tuple[str, str]:
        for _ in range(1000):
            name = (rng.choice(_FIRST), rng.choice(_LAST))
            if name not in used_names:
                used_names.add(name)
                return name
        name = (rng.choice(_FIRST), f"{rng.choice(_LAST)}-{rng.choice(_LAST)}")
        used_names.add(name)
        return name

    for t in range(scale):
        towns = _TERRITORIES[t % len(_TERRITORIES)]
        suffix = "" if t < len(_TERRITORIES) else f" {t // len(_TERRITORIES) + 1}"
        member_codes = []
        for m, (kind, pattern, _n, share) in enumerate(_MEMBER_PLAN):
            town = towns[_MEMBER_TOWN[m]]
            code = f"M{t + 1:02d}{m + 1}"
            siren = make_siren(rng)
            members.append(
                DemoMember(
                    code=code,
                    name=pattern.format(town=town[0]) + suffix,
                    kind=kind,
                    finess=make_finess(town[1], rng) if kind != "private_group" else None,
                    siren=siren,
                    is_ght_lead=(m == 0),
                )
            )
            member_codes.append(code)
            keys.append(DemoSharingKey(code, share / scale, share / scale, share / scale))
        site_codes = []
        for s, (m, ti, label) in enumerate(_SITE_PLAN):
            town = towns[ti]
            code = f"S{t + 1:02d}{s + 1}"
            sites.append(
                DemoSite(
                    code=code,
                    name=label.format(town=town[0]) + suffix,
                    member_code=member_codes[m],
                    town=town[0],
                    departement=town[1],
                    postcode=town[2],
                    lat=town[3],
                    lon=town[4],
                    finess=make_finess(town[1], rng) if m < 3 else None,
                )
            )
            site_codes.append(code)
        for e, (modality, si, mi, maker) in enumerate(_EQUIPMENT_PLAN):
            site = sites[-len(_SITE_PLAN) + si]
            # authorised between 8 months and 6.5 years ago (in force for seven years), the
            # third device of the first territory so long ago that it ends within weeks
            # (two draws per device whatever the branch: the rest of the demo keeps its draws)
            age_days = 240 + (rng.randint(0, 8) * 12 + rng.randint(1, 12) - 1) * 20
            if t == 0 and e == 2:
                authorized_on = _years_before(today, 7) + dt.timedelta(days=ENDING_SOON_DAYS)
            else:
                authorized_on = today - dt.timedelta(days=age_days)
            installed = authorized_on + dt.timedelta(days=180)
            equipment.append(
                DemoEquipment(
                    code=f"E{t + 1:02d}{e + 1:02d}",
                    name=f"{_MODALITY_LABEL[modality]} {e + 1} — {site.town}",
                    modality=modality,
                    site_code=site.code,
                    member_code=member_codes[mi],
                    manufacturer=maker,
                    installed_on=installed,
                    authorization_number=f"ARA-EML-{t + 1:02d}{e + 1:02d}-{authorized_on.year}",
                    authorized_on=authorized_on,
                )
            )
        # radiologists
        territory_site_codes = tuple(site_codes)
        for m, (kind, _p, count, _s) in enumerate(_MEMBER_PLAN):
            own_sites = tuple(
                site_codes[s] for s, (sm, _ti, _l) in enumerate(_SITE_PLAN) if sm == m
            )
            for _ in range(count):
                first, last = person_name()
                if kind == "public_hospital":
                    wt = rng.choice((1.0, 1.0, 1.0, 0.8, 0.5))
                else:
                    wt = rng.choice((1.0, 1.0, 0.8))
                # privileges: own sites, the hospital sites where the pool reads, sometimes all
                extra = tuple(c for c in territory_site_codes if c not in own_sites)
                privileges = own_sites + tuple(c for c in extra if rng.random() < 0.6)
                practitioners.append(
                    DemoPractitioner(
                        code=f"P{len(practitioners) + 1:04d}",
                        rpps=make_rpps(rng),
                        first_name=first,
                        last_name=last,
                        member_code=member_codes[m],
                        status="public" if kind == "public_hospital" else "private",
                        competences=_pick_competences(rng, kind),
                        working_time=wt,
                        site_codes=privileges or territory_site_codes,
                    )
                )
        _ensure_minimum(practitioners, territory_site_codes, rng)
        # technologists: about 20 per site, skilled on the site's modalities
        for s, code in enumerate(site_codes):
            mods = tuple(
                sorted({mod for (mod, si, _mi, _mk) in _EQUIPMENT_PLAN if si == s}) or {"CT"}
            )
            for _ in range(20):
                first, last = person_name()
                technologists.append(
                    DemoTechnologist(
                        code=f"T{len(technologists) + 1:04d}",
                        first_name=first,
                        last_name=last,
                        member_code=member_codes[_SITE_PLAN[s][0]],
                        site_code=code,
                        working_time=rng.choice((1.0, 1.0, 0.8)),
                        modalities=mods,
                    )
                )
        pdses = ONCALL_HOURS
        nights = ("weeknight", "weekend_night", "holiday_night")
        t_name = towns[0][0]
        lines.extend(
            (
                DemoOnCallLine(
                    f"L{t + 1:02d}1",
                    f"Garde imagerie des urgences — {t_name}",
                    (site_codes[0], site_codes[1]),
                    "garde",
                    False,
                    "general",
                    pdses,
                ),
                DemoOnCallLine(
                    f"L{t + 1:02d}2",
                    f"Astreinte imagerie — {towns[2][0]} et {towns[3][0]}",
                    (site_codes[2], site_codes[3]),
                    "astreinte",
                    True,
                    "general",
                    pdses,
                ),
                DemoOnCallLine(
                    f"L{t + 1:02d}3",
                    f"Astreinte de neuroradiologie territoriale — {t_name}",
                    territory_site_codes,
                    "astreinte",
                    True,
                    "neuro",
                    pdses,
                ),
                DemoOnCallLine(
                    f"L{t + 1:02d}4",
                    f"Astreinte de radiologie interventionnelle — {t_name}",
                    (site_codes[0],),
                    "astreinte",
                    False,
                    "interventional",
                    nights,
                ),
            )
        )
    return DemoPimm(
        platform=platform,
        start_date=start,
        members=tuple(members),
        sites=tuple(sites),
        equipment=tuple(equipment),
        practitioners=tuple(practitioners),
        technologists=tuple(technologists),
        sharing_keys=tuple(keys),
        oncall_lines=tuple(lines),
        seed=seed,
        scale=scale,
    )
