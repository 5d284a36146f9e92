"""Reading an import file: CSV (`;`, `,` or tab; UTF-8 or Windows-1252) or XLSX, header first,
refused before parsing when too big or too long. The rows' meaning is `imports`' business."""

import csv
import datetime as dt
import io
import itertools
from pathlib import PurePath

from django.utils.translation import gettext as _

MAX_ROWS = 20_000
# an import file larger than this is refused before it is read (a 20,000-row CSV is about 2 MB)
MAX_BYTES = 10 * 1024 * 1024
IMPORT_SUFFIXES = (".csv", ".txt", ".xlsx")


class ImportFileError(Exception):
    """The file itself cannot be read (format, encoding, header)."""


def read_table(name: str, content: bytes) -> list[dict[str, str]]:
    """Rows as dicts keyed by lower-case header, from CSV (`;`, `,` or tab) or XLSX."""
    if len(content) > MAX_BYTES:
        raise ImportFileError(too_big_message())
    suffix = PurePath(name).suffix.lower()
    if suffix == ".xlsx":
        reader = _read_xlsx
    elif suffix in {".csv", ".txt"}:
        reader = _read_csv
    else:
        raise ImportFileError(_("Format non pris en charge : utilisez un fichier .csv ou .xlsx."))
    # the header, at most MAX_ROWS rows and one more to know there are too many: a file of
    # 400,000 rows is refused after reading MAX_ROWS + 2 of them, never parsed whole
    rows = reader(content, MAX_ROWS + 2)
    if not rows:
        raise ImportFileError(_("Le fichier est vide."))
    header = [str(h or "").strip().lower() for h in rows[0]]
    if not any(header):
        raise ImportFileError(_("La première ligne doit contenir les noms de colonnes."))
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise ImportFileError(_("Trop de lignes (maximum %(n)s).") % {"n": MAX_ROWS})
    table = []
    for values in body:
        cells = ["" if v is None else str(v).strip() for v in values]
        if not any(cells):
            table.append({})
            continue
        table.append({h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h})
    return table


def too_big_message() -> str:
    return _("Fichier trop volumineux (maximum %(n)s Mo).") % {"n": MAX_BYTES // (1024 * 1024)}


def _read_csv(content: bytes, limit: int) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise ImportFileError(_("Encodage du fichier non reconnu (UTF-8 attendu)."))
    if "\x00" in text:
        raise ImportFileError(_("Le fichier contient des caractères nuls : est-ce bien un CSV ?"))
    first = text.splitlines()[0] if text else ""
    delimiter = max((";", ",", "\t"), key=first.count)
    try:
        return list(itertools.islice(csv.reader(io.StringIO(text), delimiter=delimiter), limit))
    except csv.Error as exc:  # a field over csv's size limit, a broken quote...
        raise ImportFileError(_("CSV illisible : %(e)s") % {"e": exc}) from exc


def _read_xlsx(content: bytes, limit: int) -> list[list[object]]:
    from openpyxl import load_workbook  # noqa: PLC0415 — openpyxl only for an XLSX import

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise ImportFileError(_("Classeur XLSX illisible : %(e)s") % {"e": exc}) from exc
    try:
        sheet = workbook.worksheets[0]
        declared = sheet.max_row  # the sheet's <dimension>, when the writer gave one
        if declared and declared > limit:
            raise ImportFileError(_("Trop de lignes (maximum %(n)s).") % {"n": MAX_ROWS})
        return [
            [c.date() if isinstance(c, dt.datetime) else c for c in row]
            for row in itertools.islice(sheet.iter_rows(values_only=True), limit)
        ]
    except ImportFileError:
        raise
    except Exception as exc:  # a broken sheet inside a valid zip
        raise ImportFileError(_("Classeur XLSX illisible : %(e)s") % {"e": exc}) from exc
    finally:
        workbook.close()
