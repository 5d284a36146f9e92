"""Exports of the demo's published January rota: iCal, CSV, XLSX, PDF."""

import io

import pytest
from django.urls import reverse
from icalendar import Calendar
from openpyxl import load_workbook

from pimm.oncall import exports, selectors, services
from pimm.oncall.models import RotaAssignment
from tests import clock

pytestmark = pytest.mark.django_db


def test_ical_feed_has_the_persons_duties_and_bad_token_is_404(client, published):
    practitioner = RotaAssignment.objects.filter(shift__rota=published).first().practitioner
    mine = RotaAssignment.objects.filter(  # every published month of theirs, this one included
        shift__rota__status=published.status, practitioner=practitioner
    )
    token = services.calendar_token_for(practitioner=practitioner)
    response = client.get(reverse("oncall:ical", args=[token.token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    events = list(cal.walk("VEVENT"))
    assert len(events) == mine.count()
    starts = sorted(e.decoded("dtstart") for e in events)
    assert starts == sorted(a.shift.starts_at for a in mine)
    assert client.get(reverse("oncall:ical", args=["not-a-token"])).status_code == 404
    old = token.token
    services.calendar_token_regenerate(actor=None, practitioner=practitioner)
    assert client.get(reverse("oncall:ical", args=[old])).status_code == 404


def test_csv_and_xlsx_have_one_row_per_duty(published):
    duties = selectors.duties(rota=published)
    n = published.shifts.count()
    lines = exports.to_csv(duties).strip().splitlines()
    assert lines[0].split(";") == exports.HEADER
    assert len(lines) == n + 1
    wb = load_workbook(io.BytesIO(exports.to_xlsx(duties)))
    assert wb["Gardes"].max_row == n + 1
    totals = list(wb["Totaux"].iter_rows(min_row=2, values_only=True))
    assert sum(r[3] for r in totals) == n
    assert len(totals) == len({a.practitioner_id for a in duties})


def test_pdf_has_one_page_per_month(world, published):
    assert exports.to_pdf(published).startswith(b"%PDF")
    assert len(exports.pdf_document(published).pages) == 1
    two_months = services.rota_create(
        actor=world.users["coordinator"],
        platform=world.platform,
        start=clock.day(2, 1),
        end=clock.day(3, 31),
    )
    assert len(exports.pdf_document(two_months).pages) == 2


def test_pdf_names_lines_and_holders_in_full(published, tmp_path):
    """Days down, lines by name, holders by first and last name (four Gautiers on one rota
    could not be told apart by last name)."""
    import subprocess

    from pimm.oncall.models import RotaAssignment

    pdf = tmp_path / "rota.pdf"
    pdf.write_bytes(exports.to_pdf(published))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True)
    words = " ".join(text.stdout.split())
    a = RotaAssignment.objects.filter(shift__rota=published).select_related(
        "practitioner", "shift__line"
    )
    a = a.order_by("shift__starts_at").first()
    assert f"{a.practitioner.first_name} {a.practitioner.last_name}" in words
    assert set(a.shift.line.name.replace("—", " ").split()) <= set(words.split())  # wrapped
    assert a.shift.line.code not in words.split()


def test_fairness_year_to_date(world, published):
    f = selectors.fairness(platform_id=world.platform.pk, year=published.start.year)
    total = sum(r.points for r in f.rows)
    assert total > 0
    assert round(sum(m.points for m in f.members), 6) == round(total, 6)
    assert 0 <= f.gini < 1
    assert f.spread >= 0


def test_pay_export_per_member_and_practitioner_adds_up(world, client_for, published):
    """The XLSX for pay: per duty, per practitioner (with member and RPPS) and per member;
    the three agree, and a member manager gets their own member's rows only."""
    duties = selectors.duties(rota=published)
    wb = load_workbook(io.BytesIO(exports.to_xlsx(duties)))
    rows = list(wb["Gardes"].iter_rows(min_row=2, values_only=True))
    people = list(wb["Totaux"].iter_rows(min_row=2, values_only=True))
    members = list(wb["Par membre"].iter_rows(min_row=2, values_only=True))
    total = sum(r[9] for r in rows)
    assert sum(p[4] for p in people) == pytest.approx(total)
    assert sum(m[3] for m in members) == pytest.approx(total)
    assert sum(m[2] for m in members) == len(rows) == published.shifts.count()
    assert all(p[2] for p in people)  # RPPS present for pay
    for name, _people, n, pts in members:
        mine = [r for r in rows if r[0] == name]
        assert (n, pts) == (len(mine), pytest.approx(sum(r[9] for r in mine)))
    url = reverse("oncall:xlsx", args=[published.pk])
    own = load_workbook(io.BytesIO(client_for("manager_a").get(url).content))
    assert {r[0] for r in own["Par membre"].iter_rows(min_row=2, values_only=True)} == {
        world.member_a.name
    }
