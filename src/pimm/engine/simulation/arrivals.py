"""Seeded arrival profiles: emergencies by hour, inpatients by day, outpatients by opening hours.

Emergency imaging follows the hourly share of emergency-department arrivals published from
about 18.3 million Korean ED visits (PMC8068549, 2021, Table 3), copied from
``shared/bench/arrivals/ed_hourly_share.csv``: all visits for "emergency", triage levels 1-3 for
"life-threatening". Inpatient exams come during the day (fewer at weekends); outpatient exams
follow the equipment's opening hours (weekdays 8-19, Saturday 8-12, closed on Sundays and
public holidays). Reading times are lognormal by modality (median, sigma), drawn once per exam.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pimm.engine.routing.model import Exam, Priority, ServiceLevels
from pimm.engine.simulation.model import Arrival

# share (%) of ED arrivals by hour 0..23: all visits, triage levels 1-3
ED_HOURLY_ALL = (
    3.9, 3.1, 2.6, 2.2, 1.9, 1.8, 2.0, 2.4, 3.0, 4.1, 4.8, 4.8,
    4.6, 4.5, 4.4, 4.6, 4.8, 5.1, 5.4, 6.3, 6.6, 6.4, 5.8, 4.9,
)  # fmt: skip
ED_HOURLY_TRIAGE_1_3 = (
    3.6, 2.9, 2.5, 2.2, 2.0, 2.0, 2.3, 2.8, 3.3, 4.5, 5.4, 5.5,
    5.0, 4.9, 4.8, 4.9, 5.1, 5.1, 5.1, 5.6, 5.7, 5.5, 5.0, 4.3,
)  # fmt: skip


@dataclass(frozen=True)
class DeviceProfile:
    code: str
    modality: str
    site: str
    member: str  # holder of the authorisation: whose outpatient activity it is
    outpatient_per_day: float  # on a full weekday
    inpatient_per_day: float


@dataclass(frozen=True)
class SiteProfile:
    code: str
    member: str
    emergency_per_day: float  # exams of emergency classes a day (0: no emergency department)
    devices: tuple[DeviceProfile, ...]


Mix = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class ArrivalModel:
    life_threatening_share: float = 0.12
    second_exam_share: float = 0.2  # an emergency patient often gets a second exam
    emergency_mri_share: float = 0.1  # on sites with an MRI
    stroke_share_neuro: float = 0.6  # of life-threatening neuro exams
    critical_share_other: float = 0.25  # of other life-threatening exams
    weekend_inpatient_factor: float = 0.4
    read_median_minutes: dict[str, float] = field(
        default_factory=lambda: {"CT": 8.0, "MRI": 14.0, "PET_CT": 18.0, "GAMMA": 9.0}
    )
    emergency_read_factor: float = 0.85  # focused emergency reports are shorter
    read_sigma: float = 0.35
    mixes: dict[tuple[str, bool], Mix] = field(
        default_factory=lambda: {
            ("CT", True): (("general", 0.6), ("neuro", 0.28), ("paediatric", 0.07), ("msk", 0.05)),
            ("MRI", True): (("neuro", 0.8), ("msk", 0.1), ("paediatric", 0.1)),
            ("CT", False): (
                ("general", 0.6),
                ("msk", 0.14),
                ("neuro", 0.12),
                ("cardiac", 0.08),
                ("paediatric", 0.06),
            ),
            ("MRI", False): (
                ("neuro", 0.33),
                ("msk", 0.35),
                ("general", 0.16),
                ("breast", 0.08),
                ("paediatric", 0.05),
                ("cardiac", 0.03),
            ),
            ("PET_CT", False): (("general", 1.0),),
            ("GAMMA", False): (("general", 1.0),),
        }
    )

    def mean_minutes(self, modality: str, emergency: bool) -> float:
        med = self.read_median_minutes[modality]
        if emergency:
            med *= self.emergency_read_factor
        return med * math.exp(self.read_sigma**2 / 2)


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _pick(rng: random.Random, mix: Mix) -> str:
    x = rng.random() * sum(w for _c, w in mix)
    for c, w in mix:
        x -= w
        if x <= 0:
            return c
    return mix[-1][0]


def generate_arrivals(
    sites: Sequence[SiteProfile],
    start: dt.datetime,
    days: int,
    seed: int,
    *,
    levels: ServiceLevels | None = None,
    closed_days: Iterable[dt.date] = (),
    model: ArrivalModel | None = None,
    minutes_per_unit: float = 10.0,
) -> list[Arrival]:
    """All exams that become ready in [start, start + days), sorted, with stable ids."""
    levels = levels or ServiceLevels()
    model = model or ArrivalModel()
    closed = set(closed_days)
    rng = random.Random(seed)
    raw: list[tuple] = []  # (ready_at, site, n, fields...)
    n = 0

    def patient() -> str:
        return f"pk-{rng.getrandbits(48):012x}"

    def add(ready, site, member, modality, comp, prio, critical, device, pk, emergency):
        nonlocal n
        n += 1
        med = model.read_median_minutes[modality] * (
            model.emergency_read_factor if emergency else 1.0
        )
        minutes = med * math.exp(rng.gauss(0.0, model.read_sigma))
        units = round(model.mean_minutes(modality, emergency) / minutes_per_unit, 2)
        raw.append(
            (ready, site, n, member, modality, comp, prio, critical, device, pk, minutes, units)
        )

    for day in range(days):
        date = (start + dt.timedelta(days=day)).date()
        day0 = dt.datetime.combine(date, dt.time())
        weekday = date.weekday()
        holiday = date in closed or weekday == 6
        for site in sites:
            has_mri = [d for d in site.devices if d.modality == "MRI"]
            if site.emergency_per_day > 0:
                for hour in range(24):
                    for prio, share_table, share in (
                        (Priority.EMERGENCY, ED_HOURLY_ALL, 1 - model.life_threatening_share),
                        (
                            Priority.LIFE_THREATENING,
                            ED_HOURLY_TRIAGE_1_3,
                            model.life_threatening_share,
                        ),
                    ):
                        lam = site.emergency_per_day * share * share_table[hour] / 100.0
                        for _ in range(_poisson(rng, lam)):
                            t = day0 + dt.timedelta(hours=hour, seconds=rng.uniform(0, 3600))
                            mri = has_mri and rng.random() < model.emergency_mri_share
                            mod = "MRI" if mri else "CT"
                            comp = _pick(rng, model.mixes[(mod, True)])
                            crit = prio == Priority.LIFE_THREATENING and rng.random() < (
                                model.stroke_share_neuro
                                if comp == "neuro"
                                else model.critical_share_other
                            )
                            pk = patient()
                            add(t, site.code, site.member, mod, comp, prio, crit, "", pk, True)
                            if rng.random() < model.second_exam_share:
                                t2 = t + dt.timedelta(minutes=rng.uniform(1, 8))
                                comp2 = _pick(rng, model.mixes[("CT", True)])
                                add(
                                    t2,
                                    site.code,
                                    site.member,
                                    "CT",
                                    comp2,
                                    prio,
                                    False,
                                    "",
                                    pk,
                                    True,
                                )
            for dev in site.devices:
                if dev.modality not in model.read_median_minutes:
                    continue
                # inpatients: 8-18, fewer at weekends and on holidays
                factor = model.weekend_inpatient_factor if (holiday or weekday == 5) else 1.0
                lam_h = dev.inpatient_per_day * factor / 10.0
                for hour in range(8, 18):
                    for _ in range(_poisson(rng, lam_h)):
                        t = day0 + dt.timedelta(hours=hour, seconds=rng.uniform(0, 3600))
                        comp = _pick(rng, model.mixes[(dev.modality, False)])
                        add(t, dev.site, site.member, dev.modality, comp, Priority.INPATIENT,
                            False, dev.code, patient(), False)  # fmt: skip
                # outpatients: opening hours
                if holiday:
                    continue
                hours = range(8, 12) if weekday == 5 else range(8, 19)
                lam_h = dev.outpatient_per_day / 11.0
                for hour in hours:
                    for _ in range(_poisson(rng, lam_h)):
                        t = day0 + dt.timedelta(hours=hour, seconds=rng.uniform(0, 3600))
                        comp = _pick(rng, model.mixes[(dev.modality, False)])
                        add(t, dev.site, dev.member, dev.modality, comp, Priority.OUTPATIENT,
                            False, dev.code, patient(), False)  # fmt: skip
    raw.sort(key=lambda x: (x[0], x[1], x[2]))
    out = []
    for i, (
        ready,
        site,
        _n,
        member,
        mod,
        comp,
        prio,
        crit,
        device,
        pk,
        minutes,
        units,
    ) in enumerate(raw):
        ready = ready.replace(microsecond=0)
        exam = Exam(
            id=f"X{i + 1:07d}",
            patient_key=pk,
            site=site,
            member=member,
            modality=mod,
            competence=comp,
            priority=prio,
            ready_at=ready,
            deadline=levels.deadline(prio, ready),
            work_units=units,
            critical=crit,
            exam_type=f"{mod}/{comp}" + (f"@{device}" if device else ""),
        )
        out.append(Arrival(exam, round(minutes, 3)))
    return out
