"""The turnaround page over a chosen period: table, chart, export, and who may open it."""

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pimm.worklist import models as w
from tests import clock
from tests.personas import PERSONAS

COORDINATION = {"coordinator", "administrator", "reviewer"}


@pytest.fixture
def signed(world):
    """Three exams of one class signed on two days of a month long past (30, 60, 90 min)."""
    day1, day2 = clock.day(-6, 10), clock.day(-6, 11)
    exams = list(w.Exam.objects.order_by("pk")[:3])
    pc = w.PriorityClass.objects.order_by("rank").first()
    for exam, (day, minutes) in zip(exams, [(day1, 30), (day1, 60), (day2, 90)], strict=True):
        ready = clock.at(day, 9, 0)
        w.Exam.objects.filter(pk=exam.pk).update(
            status=w.Exam.Status.SIGNED,
            priority=pc,
            ready_at=ready,
            signed_at=ready + dt.timedelta(minutes=minutes),
        )
    return {"start": clock.day(-6, 1), "end": clock.day(-6, 28), "pc": pc, "days": (day1, day2)}


def _query(signed):
    return {"debut": signed["start"].isoformat(), "fin": signed["end"].isoformat()}


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_opens_the_turnaround_page(client_for, persona):
    response = client_for(persona).get(reverse("worklist:turnaround"))
    expected = 302 if persona is None else (200 if persona in COORDINATION else 403)
    assert response.status_code == expected
    export = client_for(persona).get(reverse("worklist:turnaround_export", args=["csv"]))
    assert export.status_code == expected


def test_period_figures_and_chart(client_for, signed):
    response = client_for("coordinator").get(reverse("worklist:turnaround"), _query(signed))
    assert response.status_code == 200
    report = response.context["report"]
    row = next(c for c in report.classes if c.code == signed["pc"].code)
    assert (row.signed, row.median_minutes) == (3, 60)
    assert report.daily[signed["pc"].label] == [(signed["days"][0], 45), (signed["days"][1], 90)]
    svg = ET.fromstring(str(response.context["chart"]))
    desc = svg.find("{http://www.w3.org/2000/svg}desc").text
    assert signed["days"][0].strftime("%d/%m/%Y") + " 45\u00a0min" in desc
    assert "<svg" in response.content.decode()


def test_export_has_one_row_per_day_and_class(client_for, signed):
    client = client_for("reviewer")
    body = client.get(reverse("worklist:turnaround_export", args=["csv"]), _query(signed)).content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Jour"
    assert [(r[0], r[3], r[4]) for r in rows[1:]] == [
        (signed["days"][0].strftime("%d/%m/%Y"), "2", "45"),
        (signed["days"][1].strftime("%d/%m/%Y"), "1", "90"),
    ]
    xlsx = client.get(reverse("worklist:turnaround_export", args=["xlsx"]), _query(signed))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A2"].value.date() == signed["days"][0] and sheet["E2"].value == 45


@pytest.mark.parametrize(
    "query",
    [{"debut": "2027-02-30"}, {"debut": "31/12/2026", "fin": "01/01/2020"}, {"fin": "2100-01-01"}],
)
def test_bad_periods_say_why_and_show_the_default(client_for, query):
    response = client_for("coordinator").get(reverse("worklist:turnaround"), query)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.context["error"]
        assert response.context["report"].end == clock.TODAY


def test_coordination_links_to_the_period_page(client_for):
    html = client_for("coordinator").get(reverse("worklist:coordination")).content.decode()
    assert reverse("worklist:turnaround") in html
