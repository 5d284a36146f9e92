"""The demo PIMM's on-call lines and a published rota for its first month (a short solve)."""

from __future__ import annotations

import calendar

from pimm.accounts.models import User
from pimm.accounts.roles import Role
from pimm.registry import models as rm

from .models import OnCallLine, Rota

DEMO_SOLVE_SECONDS = 2.0


def load_oncall_demo(d, *, solve_seconds: float = DEMO_SOLVE_SECONDS) -> Rota | None:
    """Create the generator's lines (``d.oncall_lines``) and publish the first month's rota."""
    from . import services  # noqa: PLC0415 — the room's services load after its demo module

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
        return None
    start = d.start_date
    end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
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
