"""The demo PIMM's on-call lines and published rotas for its first two months (short solves).

The demo starts on the first of the month it is loaded in, so the rota of the current month and
the next are published whatever the day.
"""

from __future__ import annotations

import calendar
import datetime as dt

from pimm.accounts.models import User
from pimm.accounts.roles import Role
from pimm.registry import models as rm

from . import services
from .models import OnCallLine, Rota

DEMO_SOLVE_SECONDS = 2.0


def load_oncall_demo(
    d, *, solve_seconds: float = DEMO_SOLVE_SECONDS, months: int = 2
) -> list[Rota]:
    """Create the generator's lines (``d.oncall_lines``) and publish a rota for each of the
    first ``months`` months; returns the rotas (one left as a draft, with its explanation, if
    it could not be solved)."""

    platform = rm.Platform.objects.order_by("pk").first()
    sites = {s.code: s for s in rm.Site.objects.filter(member__platform=platform)}
    for ln in d.oncall_lines:
        line = OnCallLine.objects.create(
            platform=platform,
            code=ln.code,
            name=ln.name,
            categories=list(ln.hours),
            kind=ln.kind,
            remote_allowed=ln.remote_allowed,
            competence="" if ln.competence in (None, "general") else ln.competence,
        )
        line.sites.set([sites[c] for c in ln.site_codes if c in sites])
    coordinator = User.objects.filter(role=Role.COORDINATOR).order_by("pk").first()
    if coordinator is None:
        return []
    rotas, start = [], d.start_date
    for _ in range(months):
        end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
        rotas.append(_publish_month(platform, coordinator, start, end, solve_seconds))
        start = end + dt.timedelta(days=1)
    return rotas


def _publish_month(platform, coordinator, start, end, solve_seconds: float) -> Rota:
    rota = services.rota_create(
        actor=coordinator,
        platform=platform,
        start=start,
        end=end,
        title=f"Tableau de garde de {start:%m/%Y}",
    )
    for seconds in (solve_seconds, 4 * solve_seconds):  # a busy machine may need more time
        services.rota_solve_start(
            actor=coordinator,
            rota=rota,
            expected_version=rota.version,
            time_limit=seconds,
            run_now=True,
        )
        rota.refresh_from_db()
        if rota.status != Rota.Status.DRAFT:
            break
    if rota.status != Rota.Status.READY:
        return rota  # left with its explanation for the coordinator to see
    return services.rota_publish(actor=coordinator, rota=rota, expected_version=rota.version)
