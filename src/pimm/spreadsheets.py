"""Every CSV and XLSX pimm writes goes through here, so no cell is ever read as a formula.

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel and LibreOffice (``=HYPERLINK(...)`` in a practitioner's name, opened by another member or the
ARS). In CSV such a cell is prefixed with an apostrophe (OWASP's advice); in XLSX it is written as a
string with Excel's quote prefix, so it shows as typed and is never evaluated. Numbers (int, float,
Decimal, and text that is exactly a number such as ``-12,5``) stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpResponse
from django.utils.text import slugify

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?")


def is_formula_like(value: Any) -> bool:
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_PREFIXES)
        and not _NUMBER.fullmatch(value)
    )


def csv_cell(value: Any) -> Any:
    """The value as a CSV cell that no spreadsheet evaluates."""
    if is_formula_like(value):
        return "'" + value
    return value


class SafeCsvWriter:
    """``csv.writer`` whose every text cell is neutralised (same ``writerow``/``writerows``)."""

    def __init__(self, fileobj, **kwargs):
        self._writer = csv.writer(fileobj, **kwargs)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([csv_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(fileobj, **kwargs) -> SafeCsvWriter:
    return SafeCsvWriter(fileobj, **kwargs)


def xlsx_append(ws, row: Iterable[Any]) -> None:
    """Append a row to an openpyxl worksheet; formula-like text is stored as quoted text."""
    values = list(row)
    ws.append([v if not is_formula_like(v) else "" for v in values])
    r = ws.max_row
    for col, value in enumerate(values, start=1):
        if is_formula_like(value):
            cell = ws.cell(row=r, column=col)
            cell.value = value
            cell.data_type = "s"  # never "f": openpyxl reads a leading "=" as a formula
            cell.quotePrefix = True
        elif isinstance(value, Decimal):
            ws.cell(row=r, column=col).value = float(value)


def new_workbook():
    from openpyxl import Workbook  # noqa: PLC0415 — openpyxl loads only for an XLSX

    return Workbook()


# ---- whole tables, as files and as downloads ------------------------------------------------
#
# A page's table exported as it is shown (the same rows, the same scoping): French CSV (``;``,
# decimal comma, dates JJ/MM/AAAA, UTF-8 with a BOM so Excel reads the accents) or XLSX (real
# numbers and dates). ``download`` is the one HTTP answer every room's export view returns.

EXPORT_FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _plain(value: Any, *, for_csv: bool) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M") if for_csv else value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y") if for_csv else value
    if isinstance(value, float) and for_csv:  # 45.0 -> "45", 12.5 -> "12,5"
        return f"{value:.6f}".rstrip("0").rstrip(".").replace(".", ",")
    if isinstance(value, (int, float, Decimal)):
        return str(value).replace(".", ",") if for_csv and not isinstance(value, int) else value
    return str(value)


def table_csv(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv_writer(buf, delimiter=";")
    writer.writerow([str(h) for h in header])
    for row in rows:
        writer.writerow([_plain(v, for_csv=True) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def table_xlsx(header: Iterable[Any], rows: Iterable[Iterable[Any]], *, sheet: str = "") -> bytes:
    workbook = new_workbook()
    ws = workbook.active
    if sheet:
        ws.title = "".join(c for c in str(sheet) if c not in "[]:*?/\\")[:31] or "Feuille"
    xlsx_append(ws, [str(h) for h in header])
    for row in rows:
        values = [_plain(v, for_csv=False) for v in row]
        xlsx_append(ws, values)
        for col, value in enumerate(values, start=1):
            if hasattr(value, "year"):
                fmt = "DD/MM/YYYY HH:MM" if hasattr(value, "hour") else "DD/MM/YYYY"
                ws.cell(row=ws.max_row, column=col).number_format = fmt
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()


def download(fmt: str, basename: str, header, rows, *, sheet: str = ""):
    """An attachment ``basename.csv`` or ``basename.xlsx`` of the table; any other format is a
    404 (the URL names it)."""
    if fmt == "csv":
        body, content_type = table_csv(header, rows), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body, content_type = table_xlsx(header, rows, sheet=sheet or basename), XLSX_TYPE
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    safe = slugify(basename) or "export"  # ASCII only: a header carries no accent
    response["Content-Disposition"] = f'attachment; filename="{safe}.{fmt}"'
    return response
