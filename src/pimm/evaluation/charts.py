"""Minimal server-rendered SVG charts (no script, no internet), with the signatures of the shared
`pimm.charts` that the screens work brings: switch the imports to it when it lands.

``bar_chart(items, *, unit, title)``: items are (label, value) pairs, value None = no figure.
``line_chart(series, *, unit, title)``: series maps a name to (x label, value) pairs."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

W, H, PAD_L, PAD_B, PAD_T = 640, 240, 56, 44, 28
COLOURS = ("#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad", "#d68910", "#17a589", "#7f8c8d")


def _fmt(v: float) -> str:
    return (
        f"{v:,.1f}".replace(",", "\u202f").replace(".", ",")
        if v % 1
        else f"{int(v):,}".replace(",", "\u202f")
    )


def _frame(title: str, unit: str, top: float, body: str) -> SafeString:
    ticks = []
    for i in range(5):
        v = top * i / 4
        y = H - PAD_B - (H - PAD_B - PAD_T) * i / 4
        ticks.append(
            f'<line x1="{PAD_L}" y1="{y:.1f}" x2="{W - 8}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{PAD_L - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{_fmt(v)}</text>'
        )
    return mark_safe(  # noqa: S308 — every text in it goes through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
        f'role="img" aria-label="{escape(title)}" font-family="sans-serif">'
        f"<title>{escape(title)}</title>"
        f'<text x="{PAD_L}" y="16" font-size="12" font-weight="bold">{escape(title)}</text>'
        f'<text x="{W - 8}" y="16" font-size="10" text-anchor="end">{escape(unit)}</text>'
        + "".join(ticks)
        + body
        + "</svg>"
    )


def _top(values) -> float:
    known = [v for v in values if v is not None]
    top = max(known, default=0.0)
    return float(top) * 1.1 if top > 0 else 1.0


def bar_chart(items, *, unit: str, title: str) -> SafeString:
    items = list(items)
    top = _top(v for _l, v in items)
    n = max(len(items), 1)
    slot = (W - PAD_L - 8) / n
    parts = []
    for i, (label, value) in enumerate(items):
        x = PAD_L + i * slot + slot * 0.15
        if value is not None:
            h = (H - PAD_B - PAD_T) * float(value) / top
            parts.append(
                f'<rect x="{x:.1f}" y="{H - PAD_B - h:.1f}" width="{slot * 0.7:.1f}" '
                f'height="{h:.1f}" fill="{COLOURS[0]}"><title>{escape(label)} : {_fmt(float(value))}'
                f"</title></rect>"
            )
        else:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{H - PAD_B - 4}" font-size="9" '
                f'text-anchor="middle">–</text>'
            )
        parts.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{H - PAD_B + 14}" font-size="9" '
            f'text-anchor="middle">{escape(str(label)[:14])}</text>'
        )
    return _frame(title, unit, top, "".join(parts))


def line_chart(series, *, unit: str, title: str) -> SafeString:
    series = {str(k): list(v) for k, v in dict(series).items()}
    xs: list[str] = []
    for points in series.values():
        for x, _v in points:
            if x not in xs:
                xs.append(x)
    xs.sort()
    top = _top(v for pts in series.values() for _x, v in pts)
    step = (W - PAD_L - 16) / max(len(xs) - 1, 1)
    pos = {x: PAD_L + 8 + i * step for i, x in enumerate(xs)}
    parts = []
    for i, (name, points) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        coords = [
            (pos[x], H - PAD_B - (H - PAD_B - PAD_T) * float(v) / top)
            for x, v in points
            if v is not None
        ]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>'
            )
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in coords]
        parts.append(
            f'<text x="{PAD_L + 8 + 150 * (i % 4)}" y="{H - 6 - 12 * (i // 4)}" font-size="10" '
            f'fill="{colour}">■ {escape(name[:28])}</text>'
        )
    every = max(1, len(xs) // 12)
    parts += [
        f'<text x="{pos[x]:.1f}" y="{H - PAD_B + 14}" font-size="9" text-anchor="middle">'
        f"{escape(x)}</text>"
        for j, x in enumerate(xs)
        if j % every == 0
    ]
    return _frame(title, unit, top, "".join(parts))
