"""Indicator rows as charts of the shared `pimm.charts` (the indicator page, the reports): the
room draws nothing itself, it only says which rows make which series, on which day."""

from __future__ import annotations

import datetime as dt

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from pimm.charts import bar_chart, format_number, line_chart
from pimm.evaluation.indicators import Indicator, Row

MAX_SERIES = 7  # beyond, the legend is unreadable: the table lists every row
MAX_BARS = 12


def fmt(value) -> str:
    """A figure in the documents' tables: French writing, "—" when there is none."""
    return "—" if value is None else format_number(value)


def period_day(period: str, default: dt.date) -> dt.date:
    """The day a row's period stands for on the time axis: the first of its month ("2027-01"),
    of its year ("2027"), or ``default`` for a snapshot ("")."""
    try:
        if len(period) == 7:
            return dt.date(int(period[:4]), int(period[5:]), 1)
        if len(period) == 4:
            return dt.date(int(period), 1, 1)
    except ValueError:
        pass
    return default


def indicator_chart(
    ind: Indicator, rows: list[Row], *, title: str, start: dt.date, totals_only: bool = False
) -> SafeString:
    """A line per breakdown over the months when the rows span several periods, else one bar per
    breakdown; ``totals_only`` keeps the platform's line (the reports)."""
    series: dict[str, list[tuple[dt.date, float | None]]] = {}
    for r in rows:
        if totals_only and r.dimension != "total":
            continue
        name = str(_("ensemble")) if r.dimension == "total" else r.label
        series.setdefault(name, []).append((period_day(r.period, start), r.value))
    if len({day for points in series.values() for day, _v in points}) > 1:
        shown = dict(list(series.items())[:MAX_SERIES])
        return line_chart(shown, unit=str(ind.unit), title=title)
    bars = [(name, points[0][1]) for name, points in series.items()]
    return bar_chart(bars[:MAX_BARS], unit=str(ind.unit), title=title)


def trend_chart(
    ind: Indicator, values: list[tuple[dt.date, float | None]], *, title: str
) -> SafeString:
    """One indicator's headline figure per authorisation year (the final report)."""
    return line_chart({str(ind.name): values}, unit=str(ind.unit), title=title)
