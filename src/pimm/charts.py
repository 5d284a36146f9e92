"""Small server-rendered SVG charts, for every room that compares figures (no JavaScript, no
internet, nothing to download): the page embeds the markup as it embeds any HTML.

Two functions, both returning safe SVG markup (a ``SafeString``, so ``{{ chart }}`` in a template
renders it):

- ``bar_chart(items, *, unit, title)``: one horizontal bar per ``(label, value)``, in the order
  given; negative values go left of a zero line (deviations);
- ``line_chart(series, *, unit, title)``: one line per named series of ``(date, value)`` points,
  dates on the horizontal axis.

Numbers are written the French way ("12,5", "1 234"), every label is escaped, and each chart
carries a ``<title>`` and a ``<desc>`` listing every value, which screen readers read (the
``role="img"`` and ``aria-labelledby``); each bar or point also has its own ``<title>`` (a
tooltip). ``desc`` overrides the generated description. Labels and units are translated by the
caller (``gettext``): this module holds no user-visible text of its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from decimal import Decimal
from xml.sax.saxutils import escape as _xml_escape

from django.utils.safestring import SafeString, mark_safe

Number = float | int | Decimal

# colours distinguishable by colour-blind readers (Okabe-Ito), then repeated
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
WIDTH = 640
FONT = 12


def _esc(text: object) -> str:
    return _xml_escape(str(text), {'"': "&quot;", "'": "&#x27;"})


def format_number(value: Number, decimals: int | None = None) -> str:
    """French writing of a number: decimal comma, narrow no-break space between thousands, at
    most two decimals (none for a whole number) unless ``decimals`` says how many."""
    number = float(value)
    if not math.isfinite(number):
        return "—"
    if decimals is None:
        decimals = (
            0 if number == int(number) else (1 if round(number, 1) == round(number, 2) else 2)
        )
    text = f"{number:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",").replace("-", "−")


def _with_unit(value: Number, unit: str) -> str:
    return f"{format_number(value)}\u00a0{unit}" if unit else format_number(value)


def _nice_step(span: float, ticks: int = 4) -> float:
    raw = span / ticks if span > 0 else 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _ids(kind: str, title: str, payload: str) -> tuple[str, str]:
    digest = hashlib.sha1(f"{kind}|{title}|{payload}".encode(), usedforsecurity=False)
    base = f"chart-{kind}-{digest.hexdigest()[:10]}"
    return f"{base}-title", f"{base}-desc"


def _open(kind: str, height: int, title: str, desc: str, payload: str) -> list[str]:
    title_id, desc_id = _ids(kind, title, payload)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'font-family="sans-serif" font-size="{FONT}" aria-labelledby="{title_id} {desc_id}">',
        f'<title id="{title_id}">{_esc(title)}</title>',
        f'<desc id="{desc_id}">{_esc(desc)}</desc>',
    ]


def bar_chart(
    items: list[tuple[str, Number]], *, unit: str, title: str, desc: str | None = None
) -> SafeString:
    """Horizontal bars, one per ``(label, value)``, each labelled with its value and unit."""
    values = [(str(label), float(value)) for label, value in items]
    summary = (
        desc
        if desc is not None
        else " ; ".join(f"{label} : {_with_unit(v, unit)}" for label, v in values)
    )
    row, top, label_w, value_w = 24, 8, 200, 90
    height = top * 2 + row * max(len(values), 1)
    out = _open("bar", height, title, summary, repr(values))
    if not values:
        out.append(
            f'<text x="{WIDTH / 2:.0f}" y="{height / 2 + 4:.0f}" text-anchor="middle">—</text>'
        )
        return mark_safe("".join(out + ["</svg>"]))  # noqa: S308 — every text above is escaped
    low = min(0.0, *(v for _l, v in values))
    high = max(0.0, *(v for _l, v in values))
    span = (high - low) or 1.0
    plot_w = WIDTH - label_w - value_w
    zero_x = label_w + plot_w * (-low / span)
    for i, (label, value) in enumerate(values):
        y = top + i * row
        x0 = zero_x if value >= 0 else zero_x + plot_w * (value / span)
        w = abs(plot_w * value / span)
        shown = label if len(label) <= 30 else label[:29] + "…"
        colour = PALETTE[0] if value >= 0 else PALETTE[5]
        out.append(
            f'<g class="bar"><title>{_esc(label)} : {_esc(_with_unit(value, unit))}</title>'
            f'<text x="{label_w - 6}" y="{y + row * 0.65:.1f}" text-anchor="end">{_esc(shown)}</text>'
            f'<rect x="{x0:.1f}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row - 6}" '
            f'fill="{colour}"/>'
            f'<text x="{max(x0 + w, zero_x) + 4:.1f}" y="{y + row * 0.65:.1f}">'
            f"{_esc(_with_unit(value, unit))}</text></g>"
        )
    out.append(
        f'<line x1="{zero_x:.1f}" y1="{top}" x2="{zero_x:.1f}" y2="{height - top}" '
        'stroke="#444" stroke-width="1"/>'
    )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 — every text above is escaped


def _day(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def line_chart(
    series: dict[str, list[tuple[dt.date, Number]]],
    *,
    unit: str,
    title: str,
    desc: str | None = None,
) -> SafeString:
    """One line per series over time (dates on the horizontal axis), with a legend."""
    lines = {
        str(name): sorted((_day(day), float(v)) for day, v in points)
        for name, points in series.items()
    }
    summary = (
        desc
        if desc is not None
        else " ; ".join(
            f"{name} : "
            + ", ".join(f"{day.strftime('%d/%m/%Y')} {_with_unit(v, unit)}" for day, v in points)
            for name, points in lines.items()
        )
    )
    legend_h = 20 * math.ceil(len(lines) / 3) if lines else 0
    left, right, top, plot_h = 64, 16, 12, 200
    height = top + plot_h + 36 + legend_h
    out = _open("line", height, title, summary, repr(lines))
    points_all = [p for pts in lines.values() for p in pts]
    if not points_all:
        out.append(f'<text x="{WIDTH / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle">—</text>')
        return mark_safe("".join(out + ["</svg>"]))  # noqa: S308 — every text above is escaped
    first = min(d for d, _v in points_all)
    last = max(d for d, _v in points_all)
    days = max((last - first).days, 1)
    low = min(0.0, *(v for _d, v in points_all))
    high = max(0.0, *(v for _d, v in points_all))
    step = _nice_step(high - low)
    low = math.floor(low / step) * step
    high = max(math.ceil(high / step) * step, low + step)
    plot_w = WIDTH - left - right

    def x_of(day: dt.date) -> float:
        return left + plot_w * ((day - first).days / days)

    def y_of(value: float) -> float:
        return top + plot_h * (1 - (value - low) / (high - low))

    tick = low
    while tick <= high + step / 1000:
        y = y_of(tick)
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_esc(format_number(tick))}</text>"
        )
        tick += step
    if unit:
        out.append(f'<text x="4" y="{top + 4}" font-size="{FONT - 1}">{_esc(unit)}</text>')
    ticks_x = sorted({first, first + (last - first) / 2, last}) if last > first else [first]
    for day in ticks_x:
        out.append(
            f'<text x="{x_of(day):.1f}" y="{top + plot_h + 18}" text-anchor="middle">'
            f"{_esc(day.strftime('%d/%m/%Y'))}</text>"
        )
    for i, (name, pts) in enumerate(lines.items()):
        colour = PALETTE[i % len(PALETTE)]
        coords = " ".join(f"{x_of(d):.1f},{y_of(v):.1f}" for d, v in pts)
        out.append(
            f'<g class="series"><polyline fill="none" stroke="{colour}" stroke-width="2" '
            f'points="{coords}"/>'
        )
        for d, v in pts:
            out.append(
                f'<circle cx="{x_of(d):.1f}" cy="{y_of(v):.1f}" r="3" fill="{colour}">'
                f"<title>{_esc(name)}, {_esc(d.strftime('%d/%m/%Y'))} : "
                f"{_esc(_with_unit(v, unit))}</title></circle>"
            )
        out.append("</g>")
        lx = left + (i % 3) * (plot_w / 3)
        ly = top + plot_h + 36 + 20 * (i // 3)
        shown = name if len(name) <= 28 else name[:27] + "…"
        out.append(
            f'<rect x="{lx:.1f}" y="{ly - 10}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{lx + 18:.1f}" y="{ly}">{_esc(shown)}</text>'
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 — every text above is escaped
