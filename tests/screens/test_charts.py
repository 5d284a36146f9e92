"""The SVG chart helper: valid SVG, every value present in French writing, labels escaped."""

import xml.etree.ElementTree as ET
from decimal import Decimal

from django.template import Context, Template

from pimm.charts import bar_chart, format_number, line_chart
from tests import clock

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    root = ET.fromstring(str(markup))
    assert root.tag == f"{SVG}svg"
    return root


def _texts(root: ET.Element) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter() if el.tag in (f"{SVG}text", f"{SVG}title")]


def test_format_number_is_french():
    assert format_number(12.5) == "12,5"
    assert format_number(Decimal("1234.25")) == "1\u202f234,25"
    assert format_number(3) == "3"
    assert format_number(-2.5) == "−2,5"


def test_bar_chart_is_valid_svg_with_title_desc_and_values():
    svg = bar_chart([("Dr Gautier", 12.5), ("Dr Martin", 30)], unit="points", title="Équité")
    root = _parse(svg)
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title.text == "Équité"
    assert "Dr Gautier : 12,5\u00a0points" in desc.text
    assert "Dr Martin : 30\u00a0points" in desc.text
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    rects = root.findall(f".//{SVG}rect")
    assert len(rects) == 2
    # the longer bar is the larger value
    assert float(rects[1].get("width")) > float(rects[0].get("width"))
    assert "12,5\u00a0points" in _texts(root)


def test_bar_chart_negative_values_go_left_of_zero():
    root = _parse(bar_chart([("A", -10), ("B", 10)], unit="h", title="Écarts"))
    a, b = root.findall(f".//{SVG}rect")
    assert float(a.get("x")) + float(a.get("width")) <= float(b.get("x")) + 0.2
    assert any("−10\u00a0h" in t for t in _texts(root))


def test_labels_are_escaped():
    evil = '<script>alert("x")</script> & Cie'
    svg = bar_chart([(evil, 1)], unit="<u>", title='Titre "<b>"')
    assert "<script>" not in svg and "<b>" not in svg
    root = _parse(svg)
    assert root.find(f"{SVG}title").text == 'Titre "<b>"'
    assert any(evil in t for t in _texts(root))
    assert not root.findall(f".//{SVG}script")


def test_line_chart_has_one_line_per_series_and_every_point():
    d1, d2, d3 = clock.day(0, 1), clock.day(0, 8), clock.day(0, 15)
    svg = line_chart(
        {"Urgent": [(d1, 30), (d2, 45.5), (d3, 20)], "Programmé": [(d1, 300), (d3, 250)]},
        unit="min",
        title="Délais",
    )
    root = _parse(svg)
    assert len(root.findall(f".//{SVG}polyline")) == 2
    assert len(root.findall(f".//{SVG}circle")) == 5
    desc = root.find(f"{SVG}desc").text
    assert f"{d2.strftime('%d/%m/%Y')} 45,5\u00a0min" in desc
    assert "Programmé" in _texts(root)


def test_empty_charts_are_still_valid():
    _parse(bar_chart([], unit="", title="Rien"))
    _parse(line_chart({}, unit="", title="Rien"))
    _parse(line_chart({"Seul": [(clock.TODAY, 1)]}, unit="", title="Un point"))


def test_chart_renders_unescaped_in_a_template():
    svg = bar_chart([("A & B", 1)], unit="", title="T")
    html = Template("{{ chart }}").render(Context({"chart": svg}))
    assert html.startswith("<svg") and "A &amp; B" in html
