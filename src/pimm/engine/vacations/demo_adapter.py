"""Django-free adapter: the demo PIMM (`pimm.demo.generator.DemoPimm`) -> a vacation `PlanInput`.

Assumptions made here (the demo has no opening hours, staffing or presence tables):
- opening hours by modality (`OPENING`), evenings and Saturdays are bad hours;
- one planned maintenance day per device per quarter, on a weekday spread by device rank;
- MERM per site and half-day from the site's technologists' FTE (`STAFFING_RATIO`);
- interventional devices require a radiologist of the member present on site; each radiologist
  with the "interventional" competence covers three weekdays on each of their sites;
- every member's convention time share applies to every device (per-device mode) or to each
  modality pool (pool mode); on a device requiring presence, shares are renormalised over the
  members that can ever be present there (members with no interventional radiologist on that
  site cannot hold time on it).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from .calendar import weekly_sessions
from .model import (
    Closure,
    Device,
    Member,
    Part,
    PlanInput,
    Presence,
    Share,
    ShareScope,
    Staffing,
)

M, A, E = Part.MORNING, Part.AFTERNOON, Part.EVENING
OPENING = {
    "CT": ((range(5), (M, A, E)), ((5,), (M,))),
    "MRI": ((range(5), (M, A, E)), ((5,), (M,))),
    "PET_CT": ((range(5), (M, A)),),
    "GAMMA": ((range(5), (M, A)),),
    "INTERV": ((range(5), (M, A)),),
}
MERM_REQUIRED = {"CT": 2, "MRI": 2, "PET_CT": 2, "GAMMA": 1, "INTERV": 2}
PRESENCE_REQUIRED = frozenset({"INTERV"})
STAFFING_RATIO = {M: 0.5, A: 0.5, E: 0.25}
SATURDAY_RATIO = 0.2


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, 1)


def plan_input_from_demo(
    demo, *, start: date | None = None, months: int = 3, pooled: bool = False
) -> PlanInput:
    start = start or demo.start_date
    end = _add_months(start, months)
    devices = []
    for rank, eq in enumerate(sorted(demo.equipment, key=lambda e: e.code)):
        sessions = tuple(
            s for days, parts in OPENING[eq.modality] for s in weekly_sessions(days, parts)
        )
        maint = start + timedelta(days=7 * (rank % 11) + 7)
        while maint.weekday() >= 5:
            maint += timedelta(days=1)
        devices.append(
            Device(
                id=eq.code,
                modality=eq.modality,
                site=eq.site_code,
                sessions=sessions,
                closures=(
                    Closure(
                        datetime.combine(maint, datetime.min.time()),
                        datetime.combine(maint + timedelta(days=1), datetime.min.time()),
                        "maintenance préventive constructeur",
                    ),
                ),
                merm_required=MERM_REQUIRED[eq.modality],
                requires_presence=eq.modality in PRESENCE_REQUIRED,
                name=eq.name,
            )
        )
    members = tuple(Member(m.code, m.name) for m in demo.members)
    # convention keys: per territory in the demo, members are identified by code; keys cover
    # all members, so restrict each device's shares to the members of its territory (those whose
    # sites are in the same territory = share the first two digits of the site code).
    keys = {k.member_code: k.time_share for k in demo.sharing_keys}
    site_territory = {s.code: s.code[:-1] for s in demo.sites}
    member_territory = {s.member_code: site_territory[s.code] for s in demo.sites}

    presence = []
    can_be_present: dict[str, set[str]] = defaultdict(set)  # site -> members
    for i, p in enumerate(sorted(demo.practitioners, key=lambda p: p.code)):
        if "interventional" not in p.competences:
            continue
        days = {(i + j) % 5 for j in range(3)}
        for site in p.site_codes:
            can_be_present[site].add(p.member_code)
            for w in sorted(days):
                for part in (M, A):
                    presence.append(Presence(p.member_code, site, part, weekday=w))
    presence = tuple(sorted(set(presence), key=lambda x: (x.site, x.member_id, x.weekday, x.part)))

    def shares_for(territory: str, only: set[str] | None = None) -> tuple[Share, ...]:
        base = {
            m: v
            for m, v in keys.items()
            if member_territory.get(m) == territory and (only is None or m in only)
        }
        total = sum(base.values())
        if not total:
            return ()
        return tuple(Share(m, round(100 * v / total, 4)) for m, v in sorted(base.items()))

    scopes = []
    if pooled:
        groups: dict[tuple[str, str], list[Device]] = defaultdict(list)
        for d in devices:
            groups[(site_territory[d.site], d.modality)].append(d)
        for (territory, modality), devs in sorted(groups.items()):
            only = None
            if modality in PRESENCE_REQUIRED:
                only = set().union(*(can_be_present[d.site] for d in devs))
            shares = _fix_sum(shares_for(territory, only))
            scopes.append(
                ShareScope(
                    code=f"pool:{territory}:{modality}",
                    device_ids=tuple(d.id for d in devs),
                    shares=shares,
                    label=f"{modality} mutualisé ({territory})",
                )
            )
    else:
        for d in devices:
            only = can_be_present[d.site] if d.requires_presence else None
            scopes.append(
                ShareScope.per_device(d, _fix_sum(shares_for(site_territory[d.site], only)))
            )

    fte: dict[str, float] = defaultdict(float)
    for t in demo.technologists:
        fte[t.site_code] += t.working_time
    staffing = []
    for site in sorted(fte):
        for w in range(5):
            for part, ratio in STAFFING_RATIO.items():
                staffing.append(Staffing(site, part, round(fte[site] * ratio), weekday=w))
        staffing.append(Staffing(site, M, round(fte[site] * SATURDAY_RATIO), weekday=5))
    return PlanInput(
        start=start,
        end=end,
        devices=tuple(devices),
        scopes=tuple(scopes),
        members=members,
        staffing=tuple(staffing),
        presence=presence,
    )


def _fix_sum(shares: tuple[Share, ...]) -> tuple[Share, ...]:
    """Rounded percentages re-summed to exactly 100 (residual on the largest share)."""
    if not shares:
        return shares
    residual = round(100 - sum(s.percent for s in shares), 4)
    if not residual:
        return shares
    big = max(range(len(shares)), key=lambda i: shares[i].percent)
    out = list(shares)
    out[big] = Share(out[big].member_id, round(out[big].percent + residual, 4))
    return tuple(out)
