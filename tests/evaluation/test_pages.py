"""The indicator pages: every definition page answers (formula, source, unit, limits, the ARS
criterion), a missing figure says why and shows no value, the CSV export holds the page's rows
(French decimals, provisional or final) or the reason it is missing, and the dossier's checklist
asks each annex of whom the ARS specification asks it (§3, §4)."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from pimm.evaluation import models as ev
from pimm.evaluation import selectors, services
from pimm.evaluation.indicators import REGISTRY
from tests import clock
from tests.evaluation.conftest import upload

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_every_definition_page_answers_with_its_definition(world, client_for):
    client = client_for("reviewer")
    titles = dict(selectors.CRITERIA)
    for code, ind in REGISTRY.items():
        page = client.get(reverse("evaluation:indicator", args=[code]))
        assert page.status_code == 200, code
        text = page.content.decode()
        for part in (ind.formula, ind.source, ind.limits, titles[ind.criterion]):
            assert str(part).replace("'", "&#x27;") in text, (code, part)
        if 'data-testid="missing"' in text:
            assert 'data-testid="headline"' not in text and "<svg" not in text, code


def test_a_missing_indicator_says_why_and_shows_no_value(world, client_for):
    text = client_for("coordinator").get(reverse("evaluation:indicator", args=["doses_above_nrd"]))
    text = text.content.decode()
    assert "Donnée manquante" in text and "doses ne sont pas encore reçues" in text
    assert 'data-testid="headline"' not in text and 'id="values"' not in text


def test_the_csv_export_holds_the_rows_of_the_page(world, client_for):
    p = world.platform
    year = selectors.current_year(p, clock.TODAY)
    rows = _csv(
        client_for("manager_a").get(reverse("evaluation:indicator_csv", args=["fill_rate"]))
    )
    assert rows[0] == ["indicateur", "période", "dimension", "libellé", "valeur", "unité", "état"]
    ctx = selectors.context(p, year.start, min(year.end, clock.TODAY + dt.timedelta(days=1)))
    done = selectors.compute("fill_rate", ctx)
    assert len(rows) == 1 + len(done.result)
    total = next(r for r in rows[1:] if r[2] == "total")
    first = next(r for r in done.result if r.dimension == "total")
    assert total[1] == first.period and total[4] == str(first.value).replace(".", ",")
    assert {r[6] for r in rows[1:]} == {"provisoire"}  # the current year is not closed


def test_the_csv_of_a_closed_period_is_final_and_of_a_missing_one_says_why(world, client_for):
    client = client_for("coordinator")
    # the demo's RCP evidence is dated 40 and 10 days ago: a period that ended yesterday is closed
    start, end = clock.TODAY - dt.timedelta(days=60), clock.TODAY
    url = reverse("evaluation:indicator_csv", args=["rcp_attendance"])
    rows = _csv(client.get(url, {"start": f"{start}", "end": f"{end}"}))
    assert sum(float(r[4].replace(",", ".")) for r in rows[1:]) == 11  # 6 + 5 RCP
    assert {r[6] for r in rows[1:]} == {"définitif"}
    missing = _csv(client.get(reverse("evaluation:indicator_csv", args=["doses_above_nrd"])))
    assert len(missing) == 2 and missing[1][4] == "" and missing[1][6].startswith("manquant : ")
    assert "doses ne sont pas encore reçues" in missing[1][6]


def test_a_filter_the_indicator_does_not_break_down_by_is_said_on_the_page(world, client_for):
    url = reverse("evaluation:indicator", args=["fill_rate"])
    text = client_for("coordinator").get(url, {"member": world.member_a.pk}).content.decode()
    assert "pas ventilé par membre" in text and 'data-testid="headline"' not in text


def test_the_checklist_asks_each_annex_of_whom_the_specification_asks_it(other_platform):
    p, public, private, _s1, _s2 = other_platform
    by_kind: dict[str, list[str]] = {}
    for line in selectors.annex_checklist(p):
        by_kind.setdefault(line.kind, []).append(line.member)
    # §3: each health establishment's deliberation and imaging project; each medical team's project
    assert by_kind[ev.AnnexKind.DELIBERATION] == [public.name]
    assert by_kind[ev.AnnexKind.MEDICAL_PROJECT] == [public.name]
    assert by_kind[ev.AnnexKind.TEAM_PROJECT] == [private.name]
    # §4 and §7: once for the platform
    for kind in (ev.AnnexKind.CONVENTION, ev.AnnexKind.AMENDMENT, ev.AnnexKind.RESPONSE_FORM):
        assert by_kind[kind] == [""]


def test_an_annex_filed_for_a_member_ticks_its_line_only(world):
    coord = world.users["coordinator"]
    services.annex_add(
        actor=coord,
        kind=ev.AnnexKind.DELIBERATION,
        member=world.member_a,
        attachment=upload("deliberation.pdf"),
    )
    lines = [
        a for a in selectors.annex_checklist(world.platform) if a.kind == ev.AnnexKind.DELIBERATION
    ]
    assert [a.member for a in lines if a.present] == [world.member_a.name]
    assert len(lines) > 1
