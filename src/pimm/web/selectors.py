"""What the dashboard shows, computed from the registry's permission-scoped querysets."""

import datetime as dt
from collections import Counter

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from pimm.registry import access
from pimm.registry import models as m
from pimm.web import home

_SHORT = {"CT": "TDM", "MRI": "IRM", "PET_CT": "TEP", "GAMMA": "Gamma", "INTERV": "Interv."}


def authorization_status(platform: m.Platform, today: dt.date) -> dict:
    if today >= platform.expires_on:
        return {"label": _("expirée"), "badge": "danger"}
    if today >= platform.renewal_due_on:
        return {"label": _("renouvellement à déposer"), "badge": "warn"}
    # context: "en cours" is also an exam status ("in progress") in the worklist
    return {"label": pgettext("autorisation ARS", "en cours"), "badge": "ok"}


def dashboard_context(user) -> dict:
    """The home page: the role's day (``pimm.web.home``) and, for the platform's people (the
    coordinator, the administrator, the ARS reviewer), the registry summary under it."""
    today = timezone.localdate()
    platform = access.visible(user, m.Platform).first()
    context: dict = {"platform": platform, **home.home_context(user, today)}
    practitioner = (
        m.Practitioner.objects.filter(user=user).first() if user.is_authenticated else None
    )
    context["practitioner"] = practitioner
    if platform is None or context["home_partial"] != "web/home/_coordinator.html":
        return context
    report_dates = platform.annual_report_due_dates()
    upcoming = [d for d in report_dates if d >= today]
    context.update(
        status=authorization_status(platform, today),
        report_dates=report_dates,
        next_report=upcoming[0] if upcoming else None,
        days_to_report=(upcoming[0] - today).days if upcoming else 0,
        members=list(access.visible(user, m.Member).filter(platform=platform)),
    )
    sites = list(access.visible(user, m.Site).order_by("name"))
    equipment = access.visible(user, m.Equipment).values_list("site_id", "modality")
    counts = Counter(equipment)
    modalities = [(code, _SHORT.get(code, label)) for code, label in m.Modality.choices]
    context["modalities"] = modalities
    context["equipment_matrix"] = [
        {"site": s.name, "counts": [counts.get((s.pk, code), 0) for code, _l in modalities]}
        for s in sites
        if any(counts.get((s.pk, code)) for code, _l in modalities)
    ]
    context["equipment_totals"] = [
        sum(n for (_s, mod), n in counts.items() if mod == code) for code, _l in modalities
    ]
    context.update(map_context([(s.name, s.latitude, s.longitude, s.departement) for s in sites]))
    return context


def map_context(sites: list[tuple[str, float, float, str]]) -> dict:
    from pimm.web import francemap  # noqa: PLC0415 — the map's tables load only for the dashboard

    markers = francemap.site_markers([(name, lat, lon) for name, lat, lon, _d in sites])
    highlight = {d for *_rest, d in sites}
    return {
        "map_departements": francemap.load_departements(),
        # zoomed on the PIMM's territory: its sites' départements and markers
        "map_viewbox": francemap.zoom_box(highlight, [(p["x"], p["y"]) for p in markers]),
        "map_markers": markers,
        "map_highlight": highlight,
    }
