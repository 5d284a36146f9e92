"""The vacation plan's calendar pages: a month grid per device or per member, and its export.
Thin views over `access` and `plan_calendar`; whoever reads the plan reads them."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from pimm.planning import access, plan_calendar
from pimm.planning import models as pm
from pimm.spreadsheets import download


def _int(value: str) -> int | None:
    return int(value) if value and value.isdigit() else None


def _choice(request: HttpRequest, plan: pm.VacationPlan) -> dict:
    """Which calendar (device or member, which one, which month), from the query string; a
    value that is not one of the plan's falls back to the first."""
    view = request.GET.get("vue", plan_calendar.DEVICE)
    view = view if view in (plan_calendar.DEVICE, plan_calendar.MEMBER) else plan_calendar.DEVICE
    devices, members = plan_calendar.devices_of(plan), plan_calendar.members_of(plan)
    options = devices if view == plan_calendar.DEVICE else members
    wanted = _int(request.GET.get("equipement" if view == plan_calendar.DEVICE else "membre", ""))
    chosen = next((o for o in options if o.pk == wanted), options[0] if options else None)
    months = plan_calendar.plan_months(plan)
    month = request.GET.get("mois", "")
    ym = next((m for m in months if "{:04d}-{:02d}".format(*m) == month), months[0])
    return {
        "view": view,
        "devices": devices,
        "members": members,
        "options": options,
        "chosen": chosen,
        "year": ym[0],
        "month": ym[1],
        "filter": {
            "equipment_id" if view == plan_calendar.DEVICE else "member_id": (
                chosen.pk if chosen else 0
            )
        },
    }


@login_required
def plan_calendar_page(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.access_plan_for_user(request.user, pk)
    choice = _choice(request, plan)
    grid = plan_calendar.month_grid(
        plan, year=choice["year"], month=choice["month"], **choice["filter"]
    )
    return render(
        request,
        "planning/plan_calendar.html",
        {"plan": plan, "grid": grid, "weekdays": _weekdays(), **choice},
    )


@login_required
def plan_calendar_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The plan's vacations, all of them or those of one device or member (``vue`` + id)."""
    plan = access.access_plan_for_user(request.user, pk)
    scope = _choice(request, plan)["filter"] if request.GET.get("vue") else {}
    header = [str(h) for h in plan_calendar.EXPORT_HEADER]
    rows = plan_calendar.export_rows(plan, **scope)
    return download(fmt, f"vacations-plan-{plan.pk}", header, rows, sheet=_("Vacations"))


def _weekdays() -> list[str]:
    return [_("lundi"), _("mardi"), _("mercredi"), _("jeudi"), _("vendredi"), _("samedi")] + [
        _("dimanche")
    ]
