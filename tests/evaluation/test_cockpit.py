"""What the evaluation room gives the coordinator's cockpit (`attention`, `headline`), the demo's
commitments, and the scorecard the ARS reviewer opens read-only."""

import datetime as dt

import pytest
from django.urls import reverse

from pimm.evaluation import models as ev
from pimm.evaluation import selectors, services
from tests import clock

pytestmark = pytest.mark.django_db


def test_the_demo_has_the_ars_commitments_with_evidence(world):
    commitments = ev.Commitment.objects.filter(platform=world.platform)
    assert {c.kind for c in commitments} == {ev.Kind.SOCLE, ev.Kind.OPTIONAL}
    assert ev.Evidence.objects.filter(commitment__topic=ev.Topic.RCP).count() == 2


def test_attention_lists_the_report_due_and_commitments_behind(world):
    coord = world.users["coordinator"]
    p = world.platform
    year = selectors.current_year(p, clock.TODAY)
    near_end = year.end - dt.timedelta(days=30)  # within two months of the due date
    items = selectors.attention(coord, near_end)
    labels = {i["label"]: i for i in items}
    report = f"Rapport d'étape de l'année {year.year} à remettre à l'ARS"
    assert labels[report]["level"] == "warning" and labels[report]["url"] == reverse(
        "evaluation:reports"
    )
    behind = [
        s
        for s in selectors.statuses(ev.Commitment.objects.filter(platform=p), near_end)
        if s.status == "behind"
    ]
    if behind:
        assert labels["Engagements en retard sur leur cible"]["count"] == len(behind)
    # far from the due date, no report is asked yet
    early = selectors.attention(coord, year.start + dt.timedelta(days=10))
    assert report not in {i["label"] for i in early}
    # a generated, final report of that year removes the item (a provisional one does not)
    draft = services.draft_create(actor=coord, kind=ev.ReportKind.ANNUAL, year=year.year)
    ev.Report.objects.create(
        draft=draft, status="ready", provisional=False, period_start=year.start, period_end=year.end
    )
    assert report not in {i["label"] for i in selectors.attention(coord, near_end)}


def test_attention_and_headline_are_empty_for_roles_that_cannot_read(world):
    for persona in ("secretary_a", "radiologist_a"):
        assert selectors.attention(world.users[persona], clock.TODAY) == []
        assert selectors.headline(world.users[persona]) == []


def test_headline_gives_value_or_missing_reason(world):
    rows = selectors.headline(world.users["coordinator"])
    assert [r["code"] for r in rows] == list(selectors.HEADLINE_CODES)
    for r in rows:
        assert (r["value"] is None) == bool(r["missing"]) or r["value"] is None
        assert r["url"] == reverse("evaluation:indicator", args=[r["code"]])
    by = {r["code"]: r for r in rows}
    assert by["fill_rate"]["value"] is not None  # the demo publishes rotas


def test_the_reviewer_reads_the_scorecard_with_its_evidence_and_no_form(world, client_for):
    page = client_for("reviewer").get(reverse("evaluation:scorecard"))
    assert page.status_code == 200
    text = page.content.decode()
    for n, (code, title) in enumerate(selectors.CRITERIA, start=1):
        assert f'id="criterion-{code}"' in text
        assert f"{n}. {title}".replace("'", "&#x27;") in text
    assert "Participation des radiologues aux RCP" in text  # a commitment with its evidence
    main = text.split("<main>", 1)[1]
    assert "Lecture seule." in main and 'method="post"' not in main
