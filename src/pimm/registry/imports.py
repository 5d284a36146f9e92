"""Import sites, equipment and practitioners from CSV or XLSX: every row checked, all or nothing.

Rows are matched on their natural key (site: member + code, equipment: code, practitioner: RPPS)
and created or updated. Any bad row (unknown reference, wrong check key, another member's data)
stops the whole import; the user gets every bad row with its line number and reason.
"""

import csv
import datetime as dt
import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pimm.registry import access
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
# an import file larger than this is refused before it is read (a 20,000-row CSV is about 2 MB)
MAX_BYTES = 10 * 1024 * 1024
IMPORT_SUFFIXES = (".csv", ".txt", ".xlsx")
# a background import stores how many rows it checked every this many rows
PROGRESS_EVERY = 200


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
#
# Each row becomes the data of the registry form the web and the API use (same field checks,
# same member scoping), so an import can never write what the form refuses. Codes resolve within
# the importing member: a member's code among the members the actor may attach objects to, a site
# code among the sites of the row's own member (``MEMBRE/SITE`` names another member's site), and a
# site must be one the actor may write.


class _Lookups:
    """Member and site codes resolved once per import, within what the actor may write."""

    def __init__(self, actor, platform_id: int | None):

        members = access.member_choices(actor)
        if platform_id:
            members = members.filter(platform_id=platform_id)
        self.actor = actor
        self.members = {m.code: m for m in members}
        visible = Member.objects.all()
        if platform_id:
            visible = visible.filter(platform_id=platform_id)
        self.all_members = {m.code: m for m in visible}
        self.writable_sites = {
            (s.member_id, s.code): s
            for s in access.writable(actor, Site).filter(member__in=self.all_members.values())
        }

    def member(self, row: dict, column: str) -> Member:
        code = _required(row, column)
        if code not in self.members:
            if code in self.all_members:
                raise _RowProblem(
                    column, _("membre « %(c)s » : vous ne pouvez pas y importer") % {"c": code}
                )
            raise _RowProblem(column, _("membre « %(c)s » inconnu") % {"c": code})
        return self.members[code]

    def site(self, code: str, column: str, owner: Member) -> Site:
        member = owner
        if "/" in code:
            member_code, code = (part.strip() for part in code.split("/", 1))
            member = self.all_members.get(member_code)
            if member is None:
                raise _RowProblem(column, _("membre « %(c)s » inconnu") % {"c": member_code})
        site = self.writable_sites.get((member.pk, code))
        if site is None:
            if Site.objects.filter(member=member, code=code).exists():
                raise _RowProblem(
                    column,
                    _("site « %(c)s » de %(m)s : vous ne pouvez pas y importer")
                    % {"c": code, "m": member.code},
                )
            raise _RowProblem(
                column, _("site « %(c)s » inconnu chez %(m)s") % {"c": code, "m": member.code}
            )
        return site


def _site_row(row: dict, look: _Lookups) -> tuple[Site | None, dict]:
    member = look.member(row, "membre")
    code = _required(row, "code")
    instance = Site.objects.filter(member=member, code=code).first()
    data = {
        "member": member.pk,
        "code": code,
        "name": row.get("nom", ""),
        "finess": row.get("finess", ""),
        "address": row.get("adresse", ""),
        "postcode": row.get("code_postal", ""),
        "town": row.get("commune", ""),
        "departement": row.get("departement", "").upper().zfill(2),
        "latitude": row.get("latitude", "").replace(",", "."),
        "longitude": row.get("longitude", "").replace(",", "."),
    }
    return instance, data


def _equipment_row(row: dict, look: _Lookups) -> tuple[Equipment | None, dict]:
    code = _required(row, "code")
    instance = Equipment.objects.filter(code=code).first()
    holder = look.member(row, "titulaire")
    installed_on = _date(row, "date_installation")
    data = {
        "code": code,
        "name": row.get("nom", ""),
        "modality": _choice(
            row, "modalite", Modality.choices, {"scanner": "CT", "irm": "MRI", "tep": "PET_CT"}
        ),
        "site": look.site(_required(row, "site"), "site", holder).pk,
        "holder": holder.pk,
        "manufacturer": row.get("fabricant", ""),
        "model_name": row.get("modele", ""),
        "installed_on": installed_on.isoformat() if installed_on else "",
        "active": instance.active if instance is not None else True,
    }
    return instance, data


def _practitioner_row(row: dict, look: _Lookups) -> tuple[Practitioner | None, dict]:
    rpps = _required(row, "rpps").replace(" ", "")
    instance = Practitioner.objects.filter(rpps=rpps).first()
    member = look.member(row, "membre")
    competences = _codes(row, "competences") or ["general"]
    known = set(Competence.values)
    unknown = [c for c in competences if c not in known]
    if unknown:
        raise _RowProblem(
            "competences", _("compétence inconnue : %(c)s") % {"c": ", ".join(unknown)}
        )
    data = {
        "member": member.pk,
        "rpps": rpps,
        "first_name": row.get("prenom", ""),
        "last_name": row.get("nom", ""),
        "status": _choice(
            row,
            "statut",
            Practitioner.Status.choices,
            {"ph": "public", "liberal": "private", "libéral": "private", "prive": "private"},
        ),
        "competences": competences,
        "working_time": (row.get("quotite", "") or "1").replace(",", "."),
        "sites": [look.site(code, "sites", member).pk for code in _codes(row, "sites")],
        "email": row.get("email", ""),
        "phone": row.get("telephone", ""),
        "active": instance.active if instance is not None else True,
    }
    return instance, data


# form field -> file column, to name the column of a form error
_COLUMNS = {
    "member": "membre",
    "name": "nom",
    "address": "adresse",
    "postcode": "code_postal",
    "town": "commune",
    "modality": "modalite",
    "holder": "titulaire",
    "manufacturer": "fabricant",
    "model_name": "modele",
    "installed_on": "date_installation",
    "first_name": "prenom",
    "last_name": "nom",
    "status": "statut",
    "working_time": "quotite",
    "phone": "telephone",
    "__all__": "",
}


def _through_form(kind: str, actor, instance, data: dict):
    """The screen's form, bound to the row; its errors are the row's, by file column."""
    from pimm.registry.screens import SCREENS  # noqa: PLC0415 — screens import the forms, which import this module

    screen = SCREENS[_SCREEN_OF[kind]]
    form = screen.form(data=data, instance=instance, user=actor)
    if kind == "equipment":  # a device goes only on a site the importer may write
        form.fields["site"].queryset = access.writable(actor, Site)
    if not form.is_valid():
        raise ValidationError({_COLUMNS.get(f, f): list(msgs) for f, msgs in form.errors.items()})
    obj = form.save(commit=False)
    m2m = {name: form.cleaned_data[name] for name in screen.m2m if name in form.cleaned_data}
    return obj, m2m


_SCREEN_OF = {"sites": "site", "equipment": "equipment", "practitioners": "practitioner"}


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
    *,
    actor,
    kind: str,
    name: str,
    content: bytes,
    platform_id=None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Check every row, then write them all in one transaction, or write nothing.

    ``on_progress(checked, total)`` is called before the first row, every PROGRESS_EVERY rows
    and after the last one, outside the write transaction (a background job stores it)."""
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
    look = _Lookups(actor, platform_id)
    prepared = []
    seen: dict[tuple, int] = {}
    report = on_progress or (lambda checked, total: None)
    report(0, len(table))
    for index, row in enumerate(table, start=2):
        if index > 2 and (index - 2) % PROGRESS_EVERY == 0:
            report(index - 2, len(table))
        if not row:
            continue
        try:
            instance, data = spec.build(row, look)
            obj, m2m = _through_form(kind, actor, instance, data)
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
    report(len(table), len(table))
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
