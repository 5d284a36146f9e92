"""Turn the demo PIMM (``pimm.demo.generator.DemoPimm``) into a :class:`RotaProblem`.

Duck-typed on the generator's dataclasses so the engine does not import the demo package. Used by
``bench/rota_demo.py`` and the tests; the Django ``planning`` app has its own adapter from ORM rows.
Leave and preferences are drawn from a seeded generator so the benchmark is reproducible.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta

from .calendar import generate_shifts
from .model import (
    MemberQuota,
    OnCallLine,
    Practitioner,
    Preference,
    RotaProblem,
    RotaSettings,
    Unavailability,
)


def problem_from_demo(
    demo,
    days: int = 365,
    seed: int = 7,
    leave_weeks: int = 5,
    preferences_per_practitioner: int = 4,
    quota_tolerance: float = 5.0,
    quota_source: str | None = "working_time",
    settings: RotaSettings | None = None,
) -> RotaProblem:
    """A one-period problem over ``days`` days from ``demo.start_date``.

    Member quotas (``quota_source``): "working_time" declares each member's share of the working
    time it brings to the rota (the default: consistent with per-practitioner fairness);
    "time_share" uses the sharing keys' equipment-time share, renormalised over the members that
    have practitioners (a member without radiologists cannot carry duties); None: no quotas.
    With "time_share" on the demo, quotas and working-time fairness pull apart and the spread
    grows accordingly.
    """
    rng = random.Random(seed)
    start = demo.start_date
    end = start + timedelta(days=days - 1)
    dep_of_site = {s.code: s.departement for s in demo.sites}
    lines = tuple(
        OnCallLine(
            id=ln.code,
            name=ln.name,
            competence=None if ln.competence in (None, "general") else ln.competence,
            kind=ln.kind,
            categories=tuple(ln.hours),
            site_ids=tuple(ln.site_codes),
            remote_allowed=ln.remote_allowed,
        )
        for ln in demo.oncall_lines
    )
    departement = {ln.code: dep_of_site.get(ln.site_codes[0]) for ln in demo.oncall_lines}
    practitioners = tuple(
        Practitioner(
            id=p.code,
            member_id=p.member_code,
            competences=frozenset(p.competences),
            working_time=p.working_time,
            name=f"Dr {p.first_name} {p.last_name}",
            sites=frozenset(getattr(p, "site_codes", ()) or ()) or None,
        )
        for p in demo.practitioners
    )
    shifts = generate_shifts(lines, start, end, departement)

    leave = []
    if leave_weeks:
        # Lines a practitioner can staff; a leave block is redrawn if it would leave a line
        # with fewer than ``min_available`` competent practitioners on some day.
        can = {
            p.id: [
                ln.id
                for ln in lines
                if (ln.competence is None or ln.competence in p.competences)
                and (p.sites is None or not ln.site_ids or set(ln.site_ids) & p.sites)
            ]
            for p in practitioners
        }
        staff = defaultdict(int)
        for lids in can.values():
            for lid in lids:
                staff[lid] += 1
        away: dict = defaultdict(int)  # (line id, day) -> practitioners on leave
        min_available = 4
        for p in practitioners:
            # a summer block of two to three weeks, the rest in one-week blocks
            summer = min(leave_weeks, rng.choice((2, 3)))
            blocks = [summer] + [1] * (leave_weeks - summer)
            for i, weeks in enumerate(blocks):
                for _attempt in range(20):
                    if i == 0:
                        first = date(start.year, 7, 1) + timedelta(days=7 * rng.randint(0, 6))
                    else:
                        first = start + timedelta(days=7 * rng.randint(0, days // 7 - 1))
                    first -= timedelta(days=first.weekday())  # leave runs Monday to Sunday
                    span = [first + timedelta(days=k) for k in range(7 * weeks)]
                    if all(
                        staff[lid] - away[lid, d] - 1 >= min(min_available, staff[lid] - 1)
                        for lid in can[p.id]
                        for d in span
                    ):
                        break
                else:
                    continue
                for lid in can[p.id]:
                    for d in span:
                        away[lid, d] += 1
                if first <= end and span[-1] >= start:
                    leave.append(Unavailability(p.id, first, span[-1]))

    prefs = []
    for p in practitioners:
        for _ in range(preferences_per_practitioner):
            d = start + timedelta(days=rng.randint(0, days - 1))
            weight = rng.choice((-3, -2, -1, 1, 2)) if rng.random() < 0.8 else 2
            prefs.append(Preference(p.id, weight, date=d))

    quotas: tuple[MemberQuota, ...] = ()
    if quota_source == "time_share":
        keys = {k.member_code: k.time_share for k in demo.sharing_keys}
    else:  # the share of working time each member brings to the rota
        keys = defaultdict(float)
        for p in practitioners:
            keys[p.member_id] += p.working_time
    staffed = {p.member_id for p in practitioners}
    total = sum(v for m, v in keys.items() if m in staffed)
    if quota_source:
        quotas = tuple(
            MemberQuota(m, round(100.0 * v / total, 2), quota_tolerance)
            for m, v in sorted(keys.items())
            if m in staffed and total > 0
        )
    return RotaProblem(
        practitioners=practitioners,
        lines=lines,
        shifts=shifts,
        unavailabilities=tuple(leave),
        preferences=tuple(prefs),
        quotas=quotas,
        settings=settings or RotaSettings(),
    )
