"""Import sites, equipment and practitioners from CSV or XLSX: every row checked, all or nothing.

Rows are matched on their natural key (site: member + code, equipment: code, practitioner: RPPS)
and created or updated. Any bad row (unknown reference, wrong check key, another member's data)
stops the whole import; the user gets every bad row with its line number and reason.
"""

import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pimm.registry import access
from pimm.registry.import_files import (  # re-exported: the form and the tests read them here
    IMPORT_SUFFIXES,
    MAX_BYTES,
    MAX_ROWS,
    ImportFileError,
    read_table,
    too_big_message,
)
from pimm.registry.models import (
    Competence,
    Equipment,
    Member,
    Modality,
    Practitioner,
    Site,
)
from pimm.registry.services import _check_member_scope, registry_object_save

__all__ = ["IMPORT_SUFFIXES", "MAX_BYTES", "MAX_ROWS", "ImportFileError", "too_big_message"]

# a background import stores how many rows it checked every this many rows
PROGRESS_EVERY = 200


# every file column by the French label the registry's pages show (the errors name it so; a header
# may be written either way)
COLUMN_LABELS = {
    "membre": gettext_lazy("Membre (code)"),
    "code": gettext_lazy("Code"),
    "nom": gettext_lazy("Nom"),
    "finess": gettext_lazy("FINESS"),
    "adresse": gettext_lazy("Adresse"),
    "code_postal": gettext_lazy("Code postal"),
    "commune": gettext_lazy("Commune"),
    "departement": gettext_lazy("Département"),
    "latitude": gettext_lazy("Latitude"),
    "longitude": gettext_lazy("Longitude"),
    "modalite": gettext_lazy("Modalité"),
    "site": gettext_lazy("Site (code)"),
    "titulaire": gettext_lazy("Titulaire (code du membre)"),
    "fabricant": gettext_lazy("Fabricant"),
    "modele": gettext_lazy("Modèle"),
    "date_installation": gettext_lazy("Date d'installation"),
    "rpps": gettext_lazy("RPPS"),
    "prenom": gettext_lazy("Prénom"),
    "statut": gettext_lazy("Statut"),
    "competences": gettext_lazy("Compétences"),
    "quotite": gettext_lazy("Quotité"),
    "sites": gettext_lazy("Sites (codes)"),
    "email": gettext_lazy("Courriel"),
    "telephone": gettext_lazy("Téléphone"),
}


def column_label(column: str) -> str:
    """The French label of a file column (or of several, comma-separated); "" for the row."""
    return ", ".join(str(COLUMN_LABELS.get(c, c)) for c in column.split(", ") if c)


def normal(text: object) -> str:
    """A value compared without case, accents or surrounding spaces ("Scanner" = "scanner",
    "Libéral" = "liberal")."""
    decomposed = unicodedata.normalize("NFKD", str(text).strip().lower())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    @property
    def label(self) -> str:
        return column_label(self.column)


@dataclass(frozen=True)
class PreviewRow:
    """One line of the file as the import would write it (or why it would not)."""

    line: int
    action: str  # "create", "update" or "error"
    text: str  # the object, as the registry names it, or the row's first values


PREVIEW_ROWS = 500  # a preview lists at most this many lines (the counts cover every line)


@dataclass
class ImportResult:
    kind: str
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    rows: list[PreviewRow] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


class _RowProblem(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


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


def choice_code(value: str, choices, aliases: dict[str, str] | None = None) -> str | None:
    """The code of a choice written as its code or as the label the pages show (any case, with
    or without accents), or as one of the aliases; None when it is none of them."""
    key = normal(value)
    key = normal((aliases or {}).get(key, key))
    for code, label in choices:
        if key in (normal(code), normal(label)):
            return code
    return None


def _choice(row: dict, column: str, choices, aliases: dict[str, str] | None = None) -> str:
    value = _required(row, column)
    code = choice_code(value, choices, aliases)
    if code is None:
        allowed = ", ".join(f"{code} ({label})" for code, label in choices)
        raise _RowProblem(
            column, _("« %(v)s » inconnu (valeurs : %(a)s)") % {"v": value, "a": allowed}
        )
    return code


MODALITY_ALIASES = {"scanner": "CT", "irm": "MRI", "tep": "PET_CT"}
STATUS_ALIASES = {"ph": "public", "liberal": "private", "prive": "private"}


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

    def site(self, code: str, column: str, owner: Member, kept=None) -> Site:
        """``kept``: sites the row's object already has (a practitioner keeps the privileges
        another member granted on its site, though the importer may not grant new ones)."""
        member = owner
        if "/" in code:
            member_code, code = (part.strip() for part in code.split("/", 1))
            member = self.all_members.get(member_code)
            if member is None:
                raise _RowProblem(column, _("membre « %(c)s » inconnu") % {"c": member_code})
        site = self.writable_sites.get((member.pk, code))
        site = site or {(s.member_id, s.code): s for s in kept or ()}.get((member.pk, code))
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
        "modality": _choice(row, "modalite", Modality.choices, MODALITY_ALIASES),
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
    kept = list(instance.sites.all()) if instance is not None else []
    written = _codes(row, "competences") or ["general"]
    competences = [choice_code(c, Competence.choices) or c for c in written]
    unknown = [w for w, c in zip(written, competences, strict=True) if c not in Competence.values]
    if unknown:
        raise _RowProblem(
            "competences", _("compétence inconnue : %(c)s") % {"c": ", ".join(unknown)}
        )
    data = {
        "member": member.pk,
        "rpps": rpps,
        "first_name": row.get("prenom", ""),
        "last_name": row.get("nom", ""),
        "status": _choice(row, "statut", Practitioner.Status.choices, STATUS_ALIASES),
        "competences": competences,
        "working_time": (row.get("quotite", "") or "1").replace(",", "."),
        "sites": [look.site(code, "sites", member, kept).pk for code in _codes(row, "sites")],
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
    label: str  # lazy: read in the reader's language
    columns: tuple[str, ...]
    required: tuple[str, ...]
    build: Callable[[dict, _Lookups], tuple]
    natural_key: Callable[[object], tuple]
    # the columns whose values are a fixed list: (code, label) pairs, both accepted
    choices: dict[str, list] = field(default_factory=dict)


KINDS: dict[str, ImportKind] = {
    "sites": ImportKind(
        "sites",
        gettext_lazy("Sites"),
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
        gettext_lazy("Équipements"),
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
        {"modalite": Modality.choices},
    ),
    "practitioners": ImportKind(
        "practitioners",
        gettext_lazy("Radiologues"),
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
        {"statut": Practitioner.Status.choices, "competences": Competence.choices},
    ),
}


def _by_column(table: list[dict[str, str]]) -> list[dict[str, str]]:
    """Rows keyed by file column, when the header used the French labels ("Code postal")."""
    by_label = {normal(label): column for column, label in COLUMN_LABELS.items()}
    by_label |= {normal(column): column for column in COLUMN_LABELS}
    return [{by_label.get(normal(h), h): v for h, v in row.items()} for row in table]


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
    write: bool = True,
) -> ImportResult:
    """Check every row, then write them all in one transaction, or write nothing.

    With ``write=False`` nothing is ever written: the result is the preview (``created`` and
    ``updated`` count what the import would do, ``rows`` says it line by line).
    ``on_progress(checked, total)`` is called before the first row, every PROGRESS_EVERY rows
    and after the last one, outside the write transaction (a background job stores it)."""
    spec = KINDS[kind]
    result = ImportResult(kind=kind)
    try:
        table = _by_column(read_table(name, content))
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
        errors_before = len(result.errors)
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
        finally:
            if len(result.errors) > errors_before and len(result.rows) < PREVIEW_ROWS:
                shown = " ".join(row.get(c, "") for c in spec.required[:3]).strip()
                result.rows.append(PreviewRow(index, "error", shown))
        prepared.append((index, obj, m2m))
        if len(result.rows) < PREVIEW_ROWS:
            result.rows.append(
                PreviewRow(index, "create" if obj.pk is None else "update", str(obj))
            )
    report(len(table), len(table))
    if not write:  # the preview counts the valid lines, even beside refused ones
        result.created = sum(obj.pk is None for _i, obj, _m in prepared)
        result.updated = len(prepared) - result.created
    if result.errors:
        return result
    if not prepared:
        result.errors.append(RowError(2, "", _("aucune ligne de données")))
        return result
    if not write:
        return result
    try:
        with transaction.atomic():
            for _index, obj, m2m in prepared:
                creating = obj.pk is None
                registry_object_save(actor=actor, obj=obj, m2m=m2m)
                result.created += creating
                result.updated += not creating
        result.written = True
    except (
        ValidationError,
        PermissionDenied,
    ) as exc:  # a concurrent change between check and write
        result.created = result.updated = 0
        result.errors.append(RowError(_index, "", " ".join(getattr(exc, "messages", [str(exc)]))))
    return result
