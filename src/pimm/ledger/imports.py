"""Import tariff tables from CSV or XLSX, all or nothing: every bad row is named (line, column,
reason) and nothing is written. Columns: ``code, label, kind (act|supplement|modifier),
modality, amount, valid_from, valid_to, source`` for tariffs; technical-fee scales are rows of
kind ``ft`` with ``modality, valid_from, valid_to, reference, threshold1, threshold2, full,
depreciated_full, depreciated_tier1, depreciated_tier2, depreciated_tier3, source``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from pimm.ledger import access
from pimm.ledger import models as lm
from pimm.registry.imports import ImportFileError, ImportResult, RowError, read_table

DATA = Path(__file__).parent / "data"
KINDS = {k.value for k in lm.Tariff.Kind}
FT_FIELDS = (
    "reference",
    "threshold1",
    "threshold2",
    "full",
    "depreciated_full",
    "depreciated_tier1",
    "depreciated_tier2",
    "depreciated_tier3",
)


class _Bad(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column, self.message = column, message


def _date(row, column, required=True) -> dt.date | None:
    raw = (row.get(column) or "").strip()
    if not raw:
        if required:
            raise _Bad(column, _("Date obligatoire."))
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise _Bad(column, _("Date invalide « %(v)s » (AAAA-MM-JJ ou JJ/MM/AAAA).") % {"v": raw})


def _money(row, column) -> Decimal:
    raw = (row.get(column) or "").strip().replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise _Bad(column, _("Montant invalide « %(v)s ».") % {"v": raw}) from None
    if not value.is_finite() or value < 0 or value.quantize(Decimal("0.01")) != value:
        raise _Bad(column, _("Montant invalide « %(v)s » (positif, au centime).") % {"v": raw})
    return value


def _count(row, column) -> int:
    raw = (row.get(column) or "").strip()
    if not raw.isdigit():
        raise _Bad(column, _("Nombre entier attendu, pas « %(v)s ».") % {"v": raw})
    return int(raw)


def _parse(row: dict[str, str]):
    kind = (row.get("kind") or "").strip().lower()
    valid_from, valid_to = _date(row, "valid_from"), _date(row, "valid_to", required=False)
    if valid_to and valid_to < valid_from:
        raise _Bad("valid_to", _("La fin de validité précède son début."))
    source = (row.get("source") or "").strip()[:300]
    modality = (row.get("modality") or "").strip()
    if kind == "ft":
        if not modality:
            raise _Bad("modality", _("Modalité obligatoire pour un barème de forfait technique."))
        values = {
            f: (_count if f.startswith(("ref", "thr")) else _money)(row, f) for f in FT_FIELDS
        }
        if not values["reference"] <= values["threshold1"] <= values["threshold2"]:
            raise _Bad("threshold1", _("Il faut référence ≤ seuil 1 ≤ seuil 2."))
        return lm.TechnicalFeeScale(
            modality=modality, valid_from=valid_from, valid_to=valid_to, source=source, **values
        )
    if kind not in KINDS:
        raise _Bad(
            "kind", _("Nature inconnue « %(v)s » (act, supplement, modifier, ft).") % {"v": kind}
        )
    code = (row.get("code") or "").strip().upper()
    if not code or len(code) > 30:
        raise _Bad("code", _("Code obligatoire (30 caractères au plus)."))
    label = (row.get("label") or "").strip()
    if not label:
        raise _Bad("label", _("Libellé obligatoire."))
    return lm.Tariff(
        code=code,
        label=label[:300],
        kind=kind,
        modality=modality[:10],
        amount=_money(row, "amount"),
        valid_from=valid_from,
        valid_to=valid_to,
        source=source,
    )


def import_tariffs(*, actor, name: str, content: bytes) -> ImportResult:
    """Create the tariffs and scales of the file, or nothing if any row is bad (an existing
    version, same code and start, is a bad row: a tariff is never edited in place)."""
    if actor is not None and not access.can(actor, "manage"):
        raise PermissionDenied(_("Seule la coordination importe les tarifs."))
    result = ImportResult(kind="tariffs")
    try:
        rows = read_table(name, content)
    except ImportFileError as exc:
        result.errors.append(RowError(1, "", str(exc)))
        return result
    parsed, seen = [], set()
    for i, row in enumerate(rows, start=2):
        try:
            obj = _parse(row)
            key = (type(obj).__name__, getattr(obj, "code", obj.modality), obj.valid_from)
            if key in seen:
                raise _Bad("valid_from", _("Ligne en double dans le fichier."))
            seen.add(key)
            exists = (
                lm.Tariff.objects.filter(code=obj.code, valid_from=obj.valid_from)
                if isinstance(obj, lm.Tariff)
                else lm.TechnicalFeeScale.objects.filter(
                    modality=obj.modality, valid_from=obj.valid_from
                )
            ).exists()
            if exists:
                raise _Bad("valid_from", _("Cette version existe déjà."))
            parsed.append(obj)
        except _Bad as bad:
            result.errors.append(RowError(i, bad.column, bad.message))
    if not rows:
        result.errors.append(RowError(1, "", _("Le fichier ne contient aucune ligne.")))
    if result.errors:
        return result
    with transaction.atomic():
        for obj in parsed:
            obj._history_user = actor
            obj.save()
    result.created = len(parsed)
    return result


def import_mappings(*, actor, name: str, content: bytes) -> ImportResult:
    """Exam type → CCAM act (columns ``exam_type, act_code, archiving``), all or nothing;
    an existing exam type is updated."""
    if actor is not None and not access.can(actor, "manage"):
        raise PermissionDenied(_("Seule la coordination importe les correspondances."))
    result = ImportResult(kind="mappings")
    try:
        rows = read_table(name, content)
    except ImportFileError as exc:
        result.errors.append(RowError(1, "", str(exc)))
        return result
    parsed = []
    for i, row in enumerate(rows, start=2):
        exam_type = (row.get("exam_type") or "").strip()
        code = (row.get("act_code") or "").strip().upper()
        if not exam_type:
            result.errors.append(RowError(i, "exam_type", _("Type d'examen obligatoire.")))
        elif not code:
            result.errors.append(RowError(i, "act_code", _("Code de l'acte obligatoire.")))
        else:
            archiving = (row.get("archiving") or "").strip().lower() in {"1", "oui", "true", "yes"}
            parsed.append((exam_type[:100], code[:30], archiving))
    if result.errors:
        return result
    with transaction.atomic():
        for exam_type, code, archiving in parsed:
            _obj, created = lm.ActMapping.objects.update_or_create(
                exam_type=exam_type, defaults={"act_code": code, "archiving": archiving}
            )
            result.created += created
            result.updated += not created
    return result


def load_reference(actor=None) -> tuple[ImportResult, ImportResult]:
    """The demo's sourced extract (``data/tariffs.csv``, from shared/reference) and its
    exam-type mapping (``data/act_mapping.csv``, an assumption of the demo)."""
    t = DATA / "tariffs.csv"
    a = DATA / "act_mapping.csv"
    return (
        import_tariffs(actor=actor, name=t.name, content=t.read_bytes()),
        import_mappings(actor=actor, name=a.name, content=a.read_bytes()),
    )
