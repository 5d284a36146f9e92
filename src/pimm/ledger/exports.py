"""The ledger's files: a member's monthly statement (CSV, PDF with WeasyPrint), a
practitioner's pay statement (PDF) and the month's pay (CSV), the entries as CSV and in the
French FEC layout (Fichier des écritures comptables, art. A47 A-1 LPF: tab-separated, dates
AAAAMMJJ, comma decimals, one balanced pair of lines per entry)."""

from __future__ import annotations

import io
import logging
from decimal import Decimal

from django.db.models import Count, Sum
from django.template.loader import render_to_string
from django.utils import timezone

from pimm.ledger import models as lm
from pimm.ledger import selectors
from pimm.spreadsheets import csv_writer

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

K = lm.Entry.Kind


def amount(value: Decimal) -> str:
    """French decimal, no thousands separator (the same text in CSV, PDF and FEC)."""
    return f"{Decimal(value):.2f}".replace(".", ",")


def statement_rows(st: selectors.Statement) -> list[tuple[str, str]]:
    return [
        ("membre", st.member_name),
        ("mois", str(st.period)),
        ("actes", str(st.acts)),
        ("produit", amount(st.produced)),
        ("doit (quote-part des charges)", amount(st.owes)),
        ("est dû (quote-part des recettes)", amount(st.owed)),
        ("solde", amount(st.balance)),
    ]


def statement_csv(st: selectors.Statement, entries) -> str:
    out = io.StringIO()
    w = csv_writer(out, delimiter=";")
    for row in statement_rows(st):
        w.writerow(row)
    w.writerow([])
    w.writerow(["date", "nature", "code", "libellé", "montant", "source"])
    for e in entries:
        w.writerow(
            [
                e.date.isoformat(),
                e.get_kind_display(),
                e.code,
                e.label,
                amount(e.amount),
                source_of(e),
            ]
        )
    return out.getvalue()


def source_of(e: lm.Entry) -> str:
    """The entry's source as text (the pages link it)."""
    parts = []
    if e.exam_id:
        parts.append(f"examen {e.exam.accession_number or e.exam_id}")
    if e.cost_line_id:
        parts.append(f"ligne {e.cost_line_id} ({e.cost_line.label})")
    if e.convention_id:
        parts.append(f"clé : convention v{e.convention.version}")
    if e.reverses_id:
        parts.append(f"contre-passe l'écriture {e.reverses_id}")
    return " ; ".join(parts)


def _pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415 — weasyprint is slow to import; only for a PDF

    return HTML(string=render_to_string(template, context)).write_pdf()


def statement_pdf(st: selectors.Statement, entries, totals: selectors.Totals) -> bytes:
    """The PDF summarises the entries by nature and code (the CSV lists every one)."""
    summary = [
        {**row, "kind_label": K(row["kind"]).label, "total": selectors.cents(row["total"])}
        for row in entries.order_by()
        .values("kind", "code")
        .annotate(n=Count("pk"), total=Sum("amount"))
        .order_by("kind", "code")
    ]
    return _pdf(
        "ledger/statement_pdf.html",
        {
            "summary": summary,
            "st": st,
            "rows": statement_rows(st),
            "entries": entries,
            "totals": totals,
            "amount": amount,
            "printed": timezone.localtime(),
        },
    )


def pay_pdf(line: lm.PayLine) -> bytes:
    return _pdf(
        "ledger/pay_pdf.html",
        {
            "line": line,
            "pool": line.pool,
            "period": line.pool.period,
            "amounts": {"amount": amount(line.amount), "pool": amount(line.pool.amount)},
            "printed": timezone.localtime(),
        },
    )


def pay_csv(lines) -> str:
    out = io.StringIO()
    w = csv_writer(out, delimiter=";")
    w.writerow(
        [
            "praticien",
            "RPPS",
            "membre",
            "actes",
            "points d'activité",
            "points de garde",
            "points",
            "montant",
        ]
    )
    for x in lines:
        w.writerow(
            [
                str(x.practitioner),
                x.practitioner.rpps,
                x.member.name,
                x.acts,
                x.activity_points,
                x.duty_points,
                x.points,
                amount(x.amount),
            ]
        )
    return out.getvalue()


def entries_csv(entries) -> str:
    out = io.StringIO()
    w = csv_writer(out, delimiter=";")
    w.writerow(["écriture", "date", "membre", "nature", "code", "libellé", "montant", "source"])
    for e in entries:
        w.writerow(
            [
                e.pk,
                e.date.isoformat(),
                e.member.name,
                e.get_kind_display(),
                e.code,
                e.label,
                amount(e.amount),
                source_of(e),
            ]
        )
    return out.getvalue()


FEC_COLUMNS = [
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
]
# the plan comptable général accounts of each kind (class 7 products, class 6 charges)
ACCOUNTS = {
    K.ACT: ("706100", "Prestations : actes intellectuels"),
    K.TECHNICAL_FEE: ("706200", "Prestations : forfaits techniques"),
    K.SUPPLEMENT: ("706300", "Prestations : suppléments et modificateurs"),
    K.EXTRA_FEE: ("706400", "Dépassements d'honoraires"),
    K.COST_SHARE: ("708400", "Refacturation des charges aux membres"),
    K.REVENUE_SHARE: ("658000", "Reversement des recettes aux membres"),
}
JOURNAL = {
    K.ACT: ("ACT", "Activité"),
    K.TECHNICAL_FEE: ("ACT", "Activité"),
    K.SUPPLEMENT: ("ACT", "Activité"),
    K.EXTRA_FEE: ("ACT", "Activité"),
    K.COST_SHARE: ("REP", "Répartitions"),
    K.REVENUE_SHARE: ("REP", "Répartitions"),
}
MEMBER_ACCOUNT = "467000"  # autres comptes débiteurs ou créditeurs: one sub-account per member


def fec(entries, *, valid_date=None) -> str:
    """The FEC of these entries: each entry is two lines (its class 6/7 account and the member's
    467 sub-account), balanced; a negative amount swaps debit and credit."""
    out = io.StringIO()
    out.write("\t".join(FEC_COLUMNS) + "\r\n")

    def ymd(d):
        return d.strftime("%Y%m%d") if d else ""

    def clean(text: str) -> str:
        return " ".join(str(text).replace("\t", " ").split())

    for e in entries:
        code, lib = JOURNAL[e.kind]
        account, account_lib = ACCOUNTS[e.kind]
        value = abs(e.amount)
        positive = e.amount >= 0
        # a product (7xx) is credited, the member debited; a revenue share (6xx) the opposite
        product = e.kind != K.REVENUE_SHARE
        member_debit = positive == product
        piece = f"EX{e.exam_id}" if e.exam_id else f"CL{e.cost_line_id or e.pk}"
        valid = ymd(valid_date or (e.period.closed_at and timezone.localdate(e.period.closed_at)))
        common = [code, lib, str(e.pk), ymd(e.date)]
        tail = [piece, ymd(e.date), clean(e.label)]
        member_line = (
            common
            + [MEMBER_ACCOUNT, "Membres - comptes courants", e.member.code, clean(e.member.name)]
            + tail
        )
        other_line = common + [account, account_lib, "", ""] + tail
        d, c = amount(value), amount(Decimal(0))
        end = ["", "", valid, "", ""]
        rows = [
            member_line + ([d, c] if member_debit else [c, d]) + end,
            other_line + ([c, d] if member_debit else [d, c]) + end,
        ]
        for row in rows:
            out.write("\t".join(row) + "\r\n")
    return out.getvalue()
