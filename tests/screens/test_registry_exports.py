"""Registry lists: exported as CSV and XLSX with the page's scoping and filters, no formula."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pimm.registry import access, legal
from pimm.registry import models as m
from pimm.registry.screens import SCREENS
from tests import clock
from tests.personas import PERSONAS

LISTS = ("member", "site", "equipment", "authorization", "practitioner", "technologist")


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig")), delimiter=";"))


def _xlsx_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("key", LISTS)
def test_export_answers_as_the_page_does(client_for, persona, key):
    client = client_for(persona)
    page = client.get(reverse(f"registry:{key}_list"))
    for fmt in ("csv", "xlsx"):
        export = client.get(reverse(f"registry:{key}_export", args=[fmt]))
        assert export.status_code == page.status_code, (persona, key, fmt)


@pytest.mark.parametrize("persona", ["coordinator", "manager_a", "secretary_a", "radiologist_a"])
@pytest.mark.parametrize("key", LISTS)
def test_export_holds_exactly_the_visible_rows(world, client_for, persona, key):
    user = world.users[persona]
    screen = SCREENS[key]
    response = client_for(persona).get(reverse(f"registry:{key}_export", args=["csv"]))
    if not access.can_read_any(user, screen.model):
        assert response.status_code == 403
        return
    rows = _csv_rows(response)
    assert rows[0] == [str(label) for label, _p in screen.columns]
    assert len(rows) - 1 == access.visible(user, screen.model).count()
    assert response["Content-Disposition"].startswith("attachment; filename=")


def test_manager_export_leaves_out_another_members_devices(world, client_for):
    rows = _xlsx_rows(
        client_for("manager_a").get(reverse("registry:equipment_export", args=["xlsx"]))
    )
    codes = {r[0] for r in rows[1:]}
    assert world.equipment_a.code in codes
    assert world.equipment_b.code not in codes
    everything = _xlsx_rows(
        client_for("coordinator").get(reverse("registry:equipment_export", args=["xlsx"]))
    )
    assert world.equipment_b.code in {r[0] for r in everything[1:]}


def test_export_neutralises_formulas(world, client_for):
    evil = '=HYPERLINK("http://x","y")'
    m.Site.objects.filter(pk=world.site_a.pk).update(name=evil)
    client = client_for("coordinator")
    query = {"q": "HYPERLINK"}
    rows = _csv_rows(client.get(reverse("registry:site_export", args=["csv"]), query))
    assert len(rows) == 2
    assert rows[1][1] == "'" + evil
    response = client.get(reverse("registry:site_export", args=["xlsx"]), query)
    sheet = load_workbook(io.BytesIO(response.content)).active
    cell = sheet["B2"]
    assert cell.value == evil and cell.data_type == "s" and cell.quotePrefix
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_unknown_format_is_404(client_for):
    assert client_for("coordinator").get("/registre/site/export.pdf").status_code == 404


def test_authorisation_state_filter_on_page_and_export(world, client_for):
    withdrawn = world.authorization_a
    m.Authorization.objects.filter(pk=withdrawn.pk).update(
        status=m.Authorization.Status.WITHDRAWN,
        status_from=clock.TODAY - dt.timedelta(days=3),
        status_reference="ARS-2027-1",
    )
    client = client_for("coordinator")
    page = client.get(reverse("registry:authorization_list"), {"etat": "withdrawn"})
    assert page.status_code == 200
    assert withdrawn.number in page.content.decode()
    assert page.context["page"].paginator.count == 1
    rows = _csv_rows(
        client.get(reverse("registry:authorization_export", args=["csv"]), {"etat": "withdrawn"})
    )
    assert [r[0] for r in rows[1:]] == [withdrawn.number]
    assert rows[1][-1] == "retirée"
    in_force = client.get(reverse("registry:authorization_list"), {"etat": "in_force"})
    assert withdrawn.number not in {o.number for o, _c in in_force.context["rows"]}
    bogus = client.get(reverse("registry:authorization_list"), {"etat": "nonsense"})
    assert bogus.context["page"].paginator.count == m.Authorization.objects.count()


@pytest.mark.parametrize("state", [s for s, _l in legal.state_choices()])
def test_state_query_agrees_with_state_on(world, state):
    day = clock.TODAY
    expected = {
        a.pk
        for a in m.Authorization.objects.all()
        if (a.state_on(day) == state)
        or (
            state == legal.ENDING
            and a.state_on(day) == m.Authorization.State.IN_FORCE
            and a.in_force_until() <= day + dt.timedelta(days=legal.ALERT_DAYS)
        )
    }
    got = set(
        m.Authorization.objects.filter(legal.state_q(state, day)).values_list("pk", flat=True)
    )
    assert got == expected


def test_member_filter_narrows_equipment(world, client_for):
    page = client_for("coordinator").get(
        reverse("registry:equipment_list"), {"titulaire": world.member_b.pk}
    )
    holders = {o.holder_id for o, _c in page.context["rows"]}
    assert holders == {world.member_b.pk}
    assert f"titulaire={world.member_b.pk}" in page.context["export_query"]


def test_authorisations_are_in_the_menu(client_for):
    html = client_for("coordinator").get(reverse("web:dashboard")).content.decode()
    assert reverse("registry:authorization_list") in html
