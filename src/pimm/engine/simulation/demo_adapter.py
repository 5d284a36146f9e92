"""From the demo PIMM (``pimm.demo.generator.DemoPimm``) to routing readers and a scenario.

Django-free and duck-typed: any object with the generator's fields works. When no rota is
given, a simple duty plan is derived deterministically:

- nights (18:00-08:00) and weekend/holiday days (08:00-18:00): one holder per on-call line of
  the demo, chosen in turn among practitioners with the line's competence and privileges on its
  sites; the night's holder rests the next day (repos de sécurité);
- weekdays 08:00-18:00: one reader on duty per emergency line (emergencies by day), and enough
  readers present on site to read the expected scheduled work at about 75 % utilisation, the
  specialities covered first, then in turn by least days worked per working time;
- Saturday 08:00-12:00: a smaller presence for the morning outpatients.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from pimm.engine.routing.model import (
    AvailabilityKind,
    Reader,
    RotaEntry,
    RoutingConfig,
    ServiceLevels,
)
from pimm.engine.simulation.arrivals import (
    ArrivalModel,
    DeviceProfile,
    SiteProfile,
    generate_arrivals,
)
from pimm.engine.simulation.model import Scenario

EMERGENCY_PER_CT = 28.0  # emergency exams a day per CT on a hospital site
OUTPATIENT_PER_DAY = {"CT": 25.0, "MRI": 22.0, "PET_CT": 12.0, "GAMMA": 12.0}
INPATIENT_PER_DAY = {"CT": 10.0, "MRI": 4.0}
UTILISATION = 0.75


def _holidays(start: dt.date, days: int) -> frozenset[dt.date]:
    try:
        import holidays  # noqa: PLC0415 — holidays loads its calendars only for the demo path
    except ImportError:  # pragma: no cover - holidays is a project dependency
        return frozenset()
    years = range(start.year, (start + dt.timedelta(days=days)).year + 1)
    return frozenset(holidays.France(years=list(years)).keys())


def readers_from_demo(demo, cap_units: float = 6.0) -> tuple[Reader, ...]:
    return tuple(
        Reader(
            id=p.code,
            member=p.member_code,
            competences=frozenset(p.competences),
            sites=frozenset(p.site_codes),
            cap_units=cap_units,
        )
        for p in demo.practitioners
    )


def site_profiles_from_demo(demo) -> tuple[SiteProfile, ...]:
    kind = {m.code: m.kind for m in demo.members}
    out = []
    for s in demo.sites:
        hospital = kind.get(s.member_code) in ("public_hospital", "private_hospital")
        devs = tuple(
            DeviceProfile(
                code=e.code,
                modality=e.modality,
                site=s.code,
                member=e.member_code,
                outpatient_per_day=OUTPATIENT_PER_DAY.get(e.modality, 0.0),
                inpatient_per_day=INPATIENT_PER_DAY.get(e.modality, 0.0) if hospital else 0.0,
            )
            for e in demo.equipment
            if e.site_code == s.code
        )
        n_ct = sum(1 for d in devs if d.modality == "CT")
        out.append(
            SiteProfile(
                code=s.code,
                member=s.member_code,
                emergency_per_day=EMERGENCY_PER_CT * n_ct if hospital else 0.0,
                devices=devs,
            )
        )
    return tuple(out)


def _territories(demo) -> list[frozenset[str]]:
    """Groups of sites joined by on-call lines (or by shared privileges when there are none)."""
    parent = {s.code: s.code for s in demo.sites}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    groups = [line.site_codes for line in demo.oncall_lines] or [
        p.site_codes for p in demo.practitioners
    ]
    for codes in groups:
        codes = [c for c in codes if c in parent]
        for c in codes[1:]:
            parent[find(c)] = find(codes[0])
    by: dict[str, set[str]] = {}
    for c in parent:
        by.setdefault(find(c), set()).add(c)
    return [frozenset(v) for _k, v in sorted(by.items())]


def duty_plan(
    demo,
    start: dt.date,
    days: int,
    model: ArrivalModel | None = None,
    closed_days: frozenset[dt.date] = frozenset(),
) -> tuple[RotaEntry, ...]:
    model = model or ArrivalModel()
    practitioners = sorted(demo.practitioners, key=lambda p: p.code)
    profiles = {s.code: s for s in site_profiles_from_demo(demo)}
    lines = sorted(demo.oncall_lines, key=lambda line: line.code)
    entries: list[RotaEntry] = []
    worked: dict[str, float] = {p.code: 0.0 for p in practitioners}
    rested_until: dict[str, dt.datetime] = {}
    for terr in _territories(demo):
        staff = [p for p in practitioners if set(p.site_codes) & terr]
        t_lines = [line for line in lines if set(line.site_codes) <= terr]
        routine_minutes = sum(
            (d.outpatient_per_day + d.inpatient_per_day) * model.mean_minutes(d.modality, False)
            for code in terr
            for d in profiles[code].devices
            if d.modality in model.read_median_minutes
        )
        n_present = max(2, math.ceil(routine_minutes / 60.0 / (10.0 * UTILISATION)))
        pairs = {
            (c, code)
            for code in terr
            for d in profiles[code].devices
            for c, _w in model.mixes.get((d.modality, False), ())
        }
        n_saturday = max(1, math.ceil(routine_minutes * 4 / 11 / 60.0 / (4.0 * UTILISATION)))

        def line_holders(line, pool=staff):
            comp = line.competence or "general"
            full = [
                p
                for p in pool
                if comp in p.competences and set(line.site_codes) <= set(p.site_codes)
            ]
            return full or [
                p
                for p in pool
                if comp in p.competences and set(line.site_codes) & set(p.site_codes)
            ]

        holders = {line.code: line_holders(line) for line in t_lines}
        counter = {line.code: i for i, line in enumerate(t_lines)}

        def take(line, t0, t1, busy, holders=holders, counter=counter) -> str | None:
            cands = holders[line.code]
            for k in range(len(cands)):
                p = cands[(counter[line.code] + k) % len(cands)]
                if p.code in busy or rested_until.get(p.code, t0) > t0:
                    continue
                counter[line.code] += k + 1
                busy.add(p.code)
                site = line.site_codes[0] if not line.remote_allowed else None
                entries.append(RotaEntry(p.code, t0, t1, AvailabilityKind.DUTY, site))
                worked[p.code] += (t1 - t0).total_seconds() / 3600 / 10
                return p.code
            return None

        for day in range(-1, days):  # the night before the start is covered too
            date = start + dt.timedelta(days=day)
            d0 = dt.datetime.combine(date, dt.time(8))
            d1 = dt.datetime.combine(date, dt.time(18))
            n0 = d1
            n1 = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(8))
            weekend = date.weekday() >= 5 or date in closed_days
            busy: set[str] = set()
            day_duty = (
                t_lines
                if weekend
                else [ln for ln in t_lines if ln.competence in ("general", "neuro")]
            )
            for line in day_duty:
                if weekend and not any(h.startswith(("weekend", "holiday")) for h in line.hours):
                    continue
                take(line, d0, d1, busy)
            if not weekend or date.weekday() == 5 and date not in closed_days:
                sat = date.weekday() == 5
                need = n_saturday if sat else n_present
                end = dt.datetime.combine(date, dt.time(12)) if sat else d1
                free = [
                    p for p in staff if p.code not in busy and rested_until.get(p.code, d0) <= d0
                ]
                free.sort(key=lambda p: (worked[p.code] / max(p.working_time, 0.1), p.code))
                chosen: list = []
                uncovered = set(pairs)
                for p in free:
                    if not uncovered:
                        break
                    covers = {(c, x) for c in p.competences for x in p.site_codes} & uncovered
                    if covers:
                        chosen.append(p)
                        uncovered -= covers
                for p in free:
                    if len(chosen) >= need:
                        break
                    if p not in chosen:
                        chosen.append(p)
                for p in chosen:
                    site = sorted(set(p.site_codes) & terr)[0]
                    entries.append(RotaEntry(p.code, d0, end, AvailabilityKind.PRESENT, site))
                    worked[p.code] += 1.0
                    busy.add(p.code)
            night_busy: set[str] = set()
            for line in t_lines:
                holder = take(line, n0, n1, night_busy)
                if holder is not None:
                    rested_until[holder] = n1 + dt.timedelta(hours=11)
    t0 = dt.datetime.combine(start, dt.time())
    entries = [
        RotaEntry(e.reader_id, max(e.start, t0), e.end, e.kind, e.site)
        for e in entries
        if e.end > t0
    ]
    entries.sort(key=lambda e: (e.start, e.reader_id, e.kind))
    return tuple(entries)


def config_from_demo(demo, levels: ServiceLevels | None = None) -> RoutingConfig:
    own = frozenset(m.code for m in demo.members if m.kind == "private_group")
    return RoutingConfig(levels=levels or ServiceLevels(), own_first_members=own)


def scenario_from_demo(
    demo,
    *,
    days: int = 30,
    seed: int | None = None,
    start: dt.date | None = None,
    rota: Sequence[RotaEntry] | None = None,
    config: RoutingConfig | None = None,
    model: ArrivalModel | None = None,
    drain_days: int = 3,
    cap_units: float = 6.0,
) -> Scenario:
    """Arrivals over ``days`` days and a rota that lasts ``drain_days`` more (to finish)."""
    start = start or demo.start_date
    config = config or config_from_demo(demo)
    model = model or ArrivalModel()
    closed = _holidays(start, days + drain_days)
    t0 = dt.datetime.combine(start, dt.time())
    arrivals = generate_arrivals(
        site_profiles_from_demo(demo),
        t0,
        days,
        demo.seed if seed is None else seed,
        levels=config.levels,
        closed_days=closed,
        model=model,
        minutes_per_unit=config.minutes_per_unit,
    )
    if rota is None:
        rota = duty_plan(demo, start, days + drain_days, model, closed)
    return Scenario(
        readers=readers_from_demo(demo, cap_units),
        rota=tuple(rota),
        arrivals=tuple(arrivals),
        start=t0,
        end=t0 + dt.timedelta(days=days),
        config=config,
    )
