"""The vacation plan as a month calendar per device and per member, its export, and the SVG
charts of the fairness, deviation and indicator pages."""

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pimm.planning import models as pm
from tests.personas import PERSONAS

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def plan(world):
    plan = (
        pm.VacationPlan.objects.filter(vacations__member__isnull=False).distinct().order_by("pk")
    ).first()
    assert plan is not None, "the demo has a plan with vacations"
    return plan


@pytest.mark.parametrize("persona", PERSONAS)
def test_calendar_answers_as_the_plan_page(client_for, plan, persona):
    client = client_for(persona)
    page = client.get(reverse("planning:plan_detail", args=[plan.pk])).status_code
    assert client.get(reverse("planning:plan_calendar", args=[plan.pk])).status_code == page
    export = client.get(reverse("planning:plan_calendar_export", args=[plan.pk, "csv"]))
    assert export.status_code == page


def test_device_month_grid_shows_its_vacations(client_for, plan):
    vac = plan.vacations.filter(member__isnull=False).select_related("member").order_by("pk")[0]
    response = client_for("coordinator").get(
        reverse("planning:plan_calendar", args=[plan.pk]),
        {"vue": "appareil", "equipement": vac.equipment_id, "mois": vac.day.strftime("%Y-%m")},
    )
    assert response.status_code == 200
    grid = response.context["grid"]
    assert all(len(week) == 7 for week in grid.weeks)
    assert grid.weeks[0][0].day.weekday() == 0  # Monday first
    cell = next(c for week in grid.weeks for c in week if c.day == vac.day and c.in_month)
    assert vac in cell.vacations
    assert {v.equipment_id for w in grid.weeks for c in w for v in c.vacations} == {
        vac.equipment_id
    }
    assert vac.member.name in response.content.decode()


def test_member_month_grid_holds_only_that_member(client_for, plan):
    vac = plan.vacations.filter(member__isnull=False).order_by("pk")[0]
    response = client_for("manager_a").get(
        reverse("planning:plan_calendar", args=[plan.pk]),
        {"vue": "membre", "membre": vac.member_id, "mois": vac.day.strftime("%Y-%m")},
    )
    grid = response.context["grid"]
    members = {v.member_id for w in grid.weeks for c in w for v in c.vacations}
    assert members == {vac.member_id}


def test_unknown_choices_fall_back_to_the_first(client_for, plan):
    response = client_for("coordinator").get(
        reverse("planning:plan_calendar", args=[plan.pk]),
        {"vue": "n'importe", "equipement": "999999", "mois": "1999-01"},
    )
    assert response.status_code == 200
    assert response.context["view"] == "appareil"
    assert (response.context["year"], response.context["month"]) == (
        plan.start.year,
        plan.start.month,
    )


def test_export_of_one_member_and_of_the_whole_plan(client_for, plan):
    vac = plan.vacations.filter(member__isnull=False).order_by("pk")[0]
    client = client_for("coordinator")
    url = reverse("planning:plan_calendar_export", args=[plan.pk, "csv"])
    body = client.get(url, {"vue": "membre", "membre": vac.member_id}).content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Jour", "Demi-journée"]
    assert len(rows) - 1 == plan.vacations.filter(member_id=vac.member_id).count()
    assert {r[7] for r in rows[1:]} == {vac.member.name}
    whole = client.get(reverse("planning:plan_calendar_export", args=[plan.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(whole.content)).active
    assert sheet.max_row - 1 == plan.vacations.count()


def _charts(html: str) -> list[ET.Element]:
    out, start = [], 0
    while (i := html.find("<svg", start)) >= 0:
        j = html.index("</svg>", i) + len("</svg>")
        out.append(ET.fromstring(html[i:j]))
        start = j
    return out


def test_fairness_page_has_a_points_chart(client_for):
    response = client_for("coordinator").get(reverse("oncall:fairness"))
    assert response.status_code == 200
    charts = _charts(response.content.decode())
    assert charts
    data = response.context["f"]
    desc = charts[0].find(f"{SVG}desc").text
    assert str(data.rows[0].practitioner) in desc
    assert len(charts[0].findall(f".//{SVG}rect")) == len(data.rows)


def test_plan_page_has_a_deviation_chart(client_for, world):
    plan = pm.VacationPlan.objects.filter(deviations__isnull=False).distinct().first()
    response = client_for("coordinator").get(reverse("planning:plan_detail", args=[plan.pk]))
    html = response.content.decode()
    assert reverse("planning:plan_calendar", args=[plan.pk]) in html
    totals = response.context["totals"]
    (chart,) = _charts(html)
    assert totals[0].member.name in chart.find(f"{SVG}desc").text
    assert len(chart.findall(f".//{SVG}rect")) == len(totals)


def test_indicators_page_has_a_utilisation_chart(client_for):
    response = client_for("coordinator").get(reverse("planning:indicators"))
    assert response.status_code == 200
    charts = _charts(response.content.decode())
    titles = [c.find(f"{SVG}title").text for c in charts]
    assert "Taux d'utilisation par appareil" in titles
