"""The evaluation's SVG charts with negative figures (a member's financial balance): bars hang
from a zero line, points stay inside the frame, the axis starts below the lowest value."""

import re

from pimm.evaluation import charts

TOP, BOTTOM = charts.PAD_T, charts.H - charts.PAD_B


def _floats(svg: str, attr: str) -> list[float]:
    return [float(x) for x in re.findall(rf'{attr}="(-?[\d.]+)"', svg)]


def test_a_negative_bar_hangs_below_the_zero_line():
    svg = str(charts.bar_chart([("A", 100.0), ("B", -50.0)], unit="€", title="Solde"))
    rects = re.findall(r'<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"', svg)
    (ya, ha), (yb, hb) = ((float(y), float(h)) for y, h in rects)
    zero = float(re.search(r'<line x1="\d+" y1="([\d.]+)"[^>]*stroke="#444"', svg).group(1))
    assert ha > 0 and hb > 0
    assert abs((ya + ha) - zero) < 0.2  # the positive bar stands on zero
    assert abs(yb - zero) < 0.2 and yb + hb <= BOTTOM + 0.1  # the negative one hangs from it
    assert abs(ha / hb - 2.0) < 0.01  # heights in proportion
    assert "−" in svg or "-5" in svg  # the lowest tick is below zero


def test_line_points_of_negative_values_stay_in_the_frame():
    svg = str(
        charts.line_chart({"solde": [("2027-01", -120.0), ("2027-02", 30.0)]}, unit="€", title="x")
    )
    ys = _floats(svg, "cy")
    assert len(ys) == 2 and all(TOP - 0.1 <= y <= BOTTOM + 0.1 for y in ys)
    assert ys[0] > ys[1]  # the lower value is lower on the page


def test_non_negative_charts_keep_their_zero_at_the_bottom():
    svg = str(charts.bar_chart([("A", 10.0)], unit="", title="t"))
    y, h = (
        float(v)
        for v in re.search(
            r'<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"', svg
        ).groups()
    )
    assert abs(y + h - BOTTOM) < 0.1
