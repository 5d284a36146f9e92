"""Exports carry no formula: the shared writer neutralises formula-leading cells, keeps numbers."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from pimm import spreadsheets
from pimm.oncall import exports, selectors
from pimm.oncall.models import RotaAssignment
from tests import clock

DANGEROUS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=1"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_cells_are_neutralised_in_csv(value):
    buf = io.StringIO()
    spreadsheets.csv_writer(buf, delimiter=";").writerow([value, 3])
    cell, number = next(csv.reader(io.StringIO(buf.getvalue()), delimiter=";"))
    assert cell == "'" + value and number == "3"


@pytest.mark.parametrize("value", [-3, -2.5, Decimal("-1.25"), 0, "-12", "-12,5", "+33", "-1e3"])
def test_numbers_stay_numbers(value):
    assert spreadsheets.csv_cell(value) == value
    wb = spreadsheets.new_workbook()
    spreadsheets.xlsx_append(wb.active, [value])
    assert wb.active["A1"].data_type == ("n" if not isinstance(value, str) else "s")
    assert wb.active["A1"].value == (float(value) if isinstance(value, Decimal) else value)


@given(st.text(alphabet=st.sampled_from("=+-@\t\r1aA(),\"' ;"), min_size=1, max_size=12))
@settings(max_examples=200, deadline=None)
def test_no_text_cell_is_ever_a_formula(text):
    wb = spreadsheets.new_workbook()
    spreadsheets.xlsx_append(wb.active, [text])
    buf = io.BytesIO()
    wb.save(buf)
    cell = load_workbook(buf).active["A1"]
    assert cell.data_type != "f"
    written = spreadsheets.csv_cell(text)
    assert not (isinstance(written, str) and spreadsheets.is_formula_like(written))


@pytest.mark.django_db
def test_rota_exports_carry_a_hostile_name_as_text(world, client_for):
    from pimm.oncall.models import Rota

    published = Rota.objects.get(status=Rota.Status.PUBLISHED, start=clock.month_start())
    practitioner = RotaAssignment.objects.filter(shift__rota=published).first().practitioner
    practitioner.last_name = '=HYPERLINK("http://evil.example","paie")'
    practitioner.save()
    duties = selectors.duties(rota=published)
    cells = [row[1] for row in csv.reader(io.StringIO(exports.to_csv(duties)), delimiter=";")]
    assert any(c.startswith("'=HYPERLINK(") for c in cells)
    assert not any(c.startswith("=") for c in cells)
    wb = load_workbook(io.BytesIO(exports.to_xlsx(duties)))
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    names = [c.value for c in wb["Gardes"]["B"]]
    assert any(str(v).startswith("=HYPERLINK(") for v in names)
    points = [c.value for c in wb["Gardes"]["J"][1:]]
    assert all(isinstance(v, int | float) for v in points)
    response = client_for("coordinator").get(reverse("oncall:csv", args=[published.pk]))
    assert "no-store" in response["Cache-Control"]
    assert "'=HYPERLINK(" in response.content.decode("utf-8-sig")
