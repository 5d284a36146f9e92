"""Import sites, equipment and practitioners from CSV or XLSX: every row checked, all or nothing.

Rows are matched on their natural key (site: member + code, equipment: code, practitioner: RPPS)
and created or updated. Any bad row (unknown reference, wrong check key, another member's data)
stops the whole import; the user gets every bad row with its line number and reason.
"""

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pimm.registry.models import (
    Competence,
    Equipment,
    Member,
    Modality,
    Practitioner,
    Site,
)
from pimm.registry.services import _check_member_scope, registry_object_save

MAX_ROWS = 20_000


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str


@dataclass
class ImportResult:
    kind: str
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFileError(Exception):
    """The file itself cannot be read (format, encoding, header)."""


class _RowProblem(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


def read_table(name: str, content: bytes) -> list[dict[str, str]]:
    """Rows as dicts keyed by lower-case header, from CSV (`;`, `,` or tab) or XLSX."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".xlsx":
        rows = _read_xlsx(content)
    elif suffix in {".csv", ".txt"}:
        rows = _read_csv(content)
    else:
        raise ImportFileError(_("Format non pris en charge : utilisez un fichier .csv ou .xlsx."))
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


def _read_csv(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise ImportFileError(_("Encodage du fichier non reconnu (UTF-8 attendu)."))
    first = text.splitlines()[0] if text else ""
    delimiter = max((";", ",", "\t"), key=first.count)
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _read_xlsx(content: bytes) -> list[list[object]]:
    from openpyxl import load_workbook  # noqa: PLC0415 — openpyxl only for an XLSX import

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise ImportFileError(_("Classeur XLSX illisible : %(e)s") % {"e": exc}) from exc
    sheet = workbook.worksheets[0]
    rows = [
        [c.date() if isinstance(c, dt.datetime) else c for c in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    workbook.close()
    return rows


# ---- cell parsers ---------------------------------------------------------------------------


def _required(row: dict, column: str) -> str:
    value = row.get(column, "")
    if not value:
        raise _RowProblem(column, _("valeur obligatoire manquante"))
    return value


def _date(row: dict, column: str) -> dt.date | None:
    value = row.get(column, "")
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value[:10], fmt).date()
        except ValueError:
            continue
    raise _RowProblem(
        column, _("date illisible « %(v)s » (AAAA-MM-JJ ou JJ/MM/AAAA)") % {"v": value}
    )


def _decimal(row: dict, column: str, default: str | None = None) -> Decimal:
    value = row.get(column, "") or default
    if value is None:
        raise _RowProblem(column, _("valeur obligatoire manquante"))
    try:
        return Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        raise _RowProblem(column, _("nombre illisible « %(v)s »") % {"v": value}) from None


def _float(row: dict, column: str) -> float:
    return float(_decimal(row, column))


def _codes(row: dict, column: str) -> list[str]:
    value = row.get(column, "")
    return [v.strip() for v in value.replace(",", "|").replace(";", "|").split("|") if v.strip()]


def _choice(row: dict, column: str, choices, aliases: dict[str, str] | None = None) -> str:
    value = _required(row, column)
    key = (aliases or {}).get(value.lower(), value)
    by_label = {str(label).lower(): code for code, label in choices}
    if key in {code for code, _l in choices}:
        return key
    if key.lower() in by_label:
        return by_label[key.lower()]
    allowed = ", ".join(code for code, _l in choices)
    raise _RowProblem(column, _("« %(v)s » inconnu (valeurs : %(a)s)") % {"v": value, "a": allowed})


# ---- per-kind row builders ------------------------------------------------------------------


class _Lookups:
    """Member and site codes resolved once per import, not once per row."""

    def __init__(self, platform_id: int | None):
        members = Member.objects.all()
        if platform_id:
            members = members.filter(platform_id=platform_id)
        self.members = {m.code: m for m in members}
        self.sites = {s.code: s for s in Site.objects.filter(member__in=self.members.values())}

    def member(self, row: dict, column: str) -> Member:
        code = _required(row, column)
        if code not in self.members:
            raise _RowProblem(column, _("membre « %(c)s » inconnu") % {"c": code})
        return self.members[code]

    def site(self, code: str, column: str) -> Site:
        if code not in self.sites:
            raise _RowProblem(column, _("site « %(c)s » inconnu") % {"c": code})
        return self.sites[code]


def _site_row(row: dict, look: _Lookups) -> tuple[Site, dict]:
    member = look.member(row, "membre")
    code = _required(row, "code")
    site = Site.objects.filter(member=member, code=code).first() or Site(member=member, code=code)
    site.name = _required(row, "nom")
    site.finess = row.get("finess", "")
    site.address = row.get("adresse", "")
    site.postcode = row.get("code_postal", "")
    site.town = _required(row, "commune")
    site.departement = _required(row, "departement").upper().zfill(2)
    site.latitude = _float(row, "latitude")
    site.longitude = _float(row, "longitude")
    return site, {}


def _equipment_row(row: dict, look: _Lookups) -> tuple[Equipment, dict]:
    code = _required(row, "code")
    equipment = Equipment.objects.filter(code=code).first() or Equipment(code=code)
    equipment.name = _required(row, "nom")
    equipment.modality = _choice(
        row, "modalite", Modality.choices, {"scanner": "CT", "irm": "MRI", "tep": "PET_CT"}
    )
    equipment.site = look.site(_required(row, "site"), "site")
    equipment.holder = look.member(row, "titulaire")
    equipment.manufacturer = row.get("fabricant", "")
    equipment.model_name = row.get("modele", "")
    equipment.installed_on = _date(row, "date_installation")
    return equipment, {}


def _practitioner_row(row: dict, look: _Lookups) -> tuple[Practitioner, dict]:
    rpps = _required(row, "rpps").replace(" ", "")
    practitioner = Practitioner.objects.filter(rpps=rpps).first() or Practitioner(rpps=rpps)
    practitioner.first_name = _required(row, "prenom")
    practitioner.last_name = _required(row, "nom")
    practitioner.member = look.member(row, "membre")
    practitioner.status = _choice(
        row,
        "statut",
        Practitioner.Status.choices,
        {"ph": "public", "liberal": "private", "libéral": "private", "prive": "private"},
    )
    competences = _codes(row, "competences") or ["general"]
    known = set(Competence.values)
    unknown = [c for c in competences if c not in known]
    if unknown:
        raise _RowProblem(
            "competences", _("compétence inconnue : %(c)s") % {"c": ", ".join(unknown)}
        )
    practitioner.competences = competences
    practitioner.working_time = _decimal(row, "quotite", "1")
    practitioner.email = row.get("email", "")
    practitioner.phone = row.get("telephone", "")
    sites = [look.site(code, "sites") for code in _codes(row, "sites")]
    return practitioner, {"sites": sites}


@dataclass(frozen=True)
class ImportKind:
    key: str
    label: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    build: Callable[[dict, _Lookups], tuple]
    natural_key: Callable[[object], tuple]


KINDS: dict[str, ImportKind] = {
    "sites": ImportKind(
        "sites",
        "Sites",
        (
            "membre",
            "code",
            "nom",
            "finess",
            "adresse",
            "code_postal",
            "commune",
            "departement",
            "latitude",
            "longitude",
        ),
        ("membre", "code", "nom", "commune", "departement", "latitude", "longitude"),
        _site_row,
        lambda s: (s.member_id, s.code),
    ),
    "equipment": ImportKind(
        "equipment",
        "Équipements",
        (
            "code",
            "nom",
            "modalite",
            "site",
            "titulaire",
            "fabricant",
            "modele",
            "date_installation",
        ),
        ("code", "nom", "modalite", "site", "titulaire"),
        _equipment_row,
        lambda e: (e.code,),
    ),
    "practitioners": ImportKind(
        "practitioners",
        "Radiologues",
        (
            "rpps",
            "prenom",
            "nom",
            "membre",
            "statut",
            "competences",
            "quotite",
            "sites",
            "email",
            "telephone",
        ),
        ("rpps", "prenom", "nom", "membre", "statut"),
        _practitioner_row,
        lambda p: (p.rpps,),
    ),
}


def _messages(exc: ValidationError) -> list[tuple[str, str]]:
    if hasattr(exc, "error_dict"):
        return [(f, " ".join(msgs)) for f, msgs in exc.message_dict.items()]
    return [("", " ".join(exc.messages))]


def registry_import(
    *, actor, kind: str, name: str, content: bytes, platform_id=None
) -> ImportResult:
    """Check every row, then write them all in one transaction, or write nothing."""
    spec = KINDS[kind]
    result = ImportResult(kind=kind)
    try:
        table = read_table(name, content)
    except ImportFileError as exc:
        result.errors.append(RowError(1, "", str(exc)))
        return result
    header = set().union(*(row.keys() for row in table)) if table else set()
    missing = [c for c in spec.required if c not in header]
    if missing:
        result.errors.append(
            RowError(1, ", ".join(missing), _("colonnes obligatoires absentes de l'en-tête"))
        )
        return result
    look = _Lookups(platform_id)
    prepared = []
    seen: dict[tuple, int] = {}
    for index, row in enumerate(table, start=2):
        if not row:
            continue
        try:
            obj, m2m = spec.build(row, look)
            key = spec.natural_key(obj)
            if key in seen:
                raise _RowProblem(
                    "", _("doublon de la ligne %(n)s dans le fichier") % {"n": seen[key]}
                )
            seen[key] = index
            _check_member_scope(actor, obj)
            obj.full_clean()
        except _RowProblem as problem:
            result.errors.append(RowError(index, problem.column, problem.message))
            continue
        except PermissionDenied as exc:
            result.errors.append(RowError(index, "", str(exc)))
            continue
        except ValidationError as exc:
            result.errors.extend(RowError(index, f, msg) for f, msg in _messages(exc))
            continue
        prepared.append((index, obj, m2m))
    if result.errors:
        return result
    if not prepared:
        result.errors.append(RowError(2, "", _("aucune ligne de données")))
        return result
    try:
        with transaction.atomic():
            for _index, obj, m2m in prepared:
                creating = obj.pk is None
                registry_object_save(actor=actor, obj=obj, m2m=m2m)
                result.created += creating
                result.updated += not creating
    except (
        ValidationError,
        PermissionDenied,
    ) as exc:  # a concurrent change between check and write
        result.created = result.updated = 0
        result.errors.append(RowError(_index, "", " ".join(getattr(exc, "messages", [str(exc)]))))
    return result
