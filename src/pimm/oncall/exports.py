"""Rota exports: the iCal feed of one practitioner, CSV/XLSX for pay, one-page-per-month PDF."""

from __future__ import annotations

import io
import logging

from django.template.loader import render_to_string
from django.utils import timezone

from pimm.engine.rota.model import CATEGORY_LABELS_FR
from pimm.spreadsheets import csv_writer, new_workbook, xlsx_append

from . import selectors
from .models import Rota

# WeasyPrint logs each rendering step at INFO: keep the server log readable.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

HEADER = [
    "membre",
    "praticien",
    "RPPS",
    "ligne",
    "type",
    "date",
    "catégorie",
    "début",
    "fin",
    "points",
]


def rows(assignments) -> list[list]:
    """One row per duty; its points are the platform's weights (pay and balances agree)."""
    out = []
    weights: dict[int, object] = {}
    for a in assignments:
        s, p = a.shift, a.practitioner
        platform_id = s.rota.platform_id
        if platform_id not in weights:
            weights[platform_id] = selectors.point_weights(platform_id=platform_id)
        out.append(
            [
                p.member.name,
                f"{p.last_name} {p.first_name}",
                p.rpps,
                s.line.code,
                s.line.get_kind_display(),
                s.date.isoformat(),
                CATEGORY_LABELS_FR.get(s.category, s.category),
                timezone.localtime(s.starts_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(s.ends_at).strftime("%Y-%m-%d %H:%M"),
                weights[platform_id].of(s.category, s.line.kind),
            ]
        )
    out.sort(key=lambda r: (r[0], r[1], r[7]))
    return out


def to_csv(assignments) -> str:
    buf = io.StringIO()
    w = csv_writer(buf, delimiter=";")
    w.writerow(HEADER)
    w.writerows(rows(assignments))
    return buf.getvalue()


def to_xlsx(assignments) -> bytes:
    wb = new_workbook()
    ws = wb.active
    ws.title = "Gardes"
    xlsx_append(ws, HEADER)
    data = rows(assignments)
    for r in data:
        xlsx_append(ws, r)
    totals = wb.create_sheet("Totaux")
    xlsx_append(totals, ["membre", "praticien", "RPPS", "gardes", "points"])
    acc: dict[tuple, list] = {}
    for r in data:
        t = acc.setdefault((r[0], r[1], r[2]), [0, 0.0])
        t[0] += 1
        t[1] += r[9]
    for key, (n, pts) in sorted(acc.items()):
        xlsx_append(totals, [*key, n, pts])
    members = wb.create_sheet("Par membre")
    xlsx_append(members, ["membre", "praticiens", "gardes", "points"])
    per_member: dict[str, list] = {}
    for (member, _name, _rpps), (n, pts) in acc.items():
        t = per_member.setdefault(member, [0, 0, 0.0])
        t[0] += 1
        t[1] += n
        t[2] += pts
    for member, (people, n, pts) in sorted(per_member.items()):
        xlsx_append(members, [member, people, n, pts])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_ical(practitioner, assignments, base_url: str = "") -> bytes:
    from icalendar import Calendar, Event  # noqa: PLC0415 — icalendar only for a calendar feed

    cal = Calendar()
    cal.add("prodid", "-//pimm//gardes//FR")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Gardes — {practitioner}")
    now = timezone.now()
    for a in assignments:
        s = a.shift
        ev = Event()
        ev.add("uid", f"pimm-garde-{s.rota_id}-{s.key}@pimm")
        ev.add("dtstamp", now)
        ev.add("dtstart", timezone.localtime(s.starts_at))
        ev.add("dtend", timezone.localtime(s.ends_at))
        ev.add("summary", f"{s.line.get_kind_display()} {s.line.code} — {s.line.name}")
        ev.add(
            "description",
            f"{CATEGORY_LABELS_FR.get(s.category, s.category)} ; tableau {s.rota_id} v{s.rota.version}",
        )
        cal.add_component(ev)
    # the events' times are Paris wall times (TZID=Europe/Paris): the feed carries the zone's
    # VTIMEZONE so that calendar apps that do not know the zone id still place them right
    cal.add_missing_timezones()
    return cal.to_ical()


def to_pdf(rota: Rota) -> bytes:
    return pdf_document(rota).write_pdf()


def pdf_document(rota: Rota):
    """The WeasyPrint document: one A4 page per month of the rota, days down and lines across
    (landscape once there are more than five lines), holders by full name."""
    from weasyprint import HTML  # noqa: PLC0415 — weasyprint is slow to import; only for a PDF

    months = [
        selectors.month_grid(rota=rota, year=y, month=m) for y, m in selectors.months_of(rota)
    ]
    wide = max((len(g.rows) for g in months), default=0) > 5
    html = render_to_string("oncall/rota_pdf.html", {"rota": rota, "months": months, "wide": wide})
    return HTML(string=html).render()
