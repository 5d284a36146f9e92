"""The audit trail as people read it: object and field labels (verbose names), values formatted
(Paris time, Oui/Non, choices by their label, foreign keys by their name), for the page and the CSV.

`AuditEvent.changes` stores raw values (`{field: [before, after]}`, JSON); nothing here writes.
"""

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from pimm.accounts.engine_text import translate
from pimm.fields import item_labels
from pimm.spreadsheets import csv_writer

EMPTY = "∅"
MASKED = {"password", "key_hash", "token", "content"}  # secrets and blobs: never shown


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Line:
    event: object
    model_label: str
    changes: list[Change]

    @property
    def action_label(self) -> str:
        return self.event.get_action_display()


def model_class(app_label: str, model: str):
    try:
        return apps.get_model(app_label, model)
    except LookupError:
        return None


def model_label(app_label: str, model: str) -> str:
    cls = model_class(app_label, model)
    return capfirst(str(cls._meta.verbose_name)) if cls is not None else model


def audited_model_choices(pairs) -> list[tuple[str, str]]:
    """`(model, label)` for the filter, sorted by label; `pairs` are `(app_label, model)`."""
    seen = {model: model_label(app, model) for app, model in pairs}
    return sorted(seen.items(), key=lambda kv: kv[1].lower())


def _field(cls, name: str):
    if cls is None:
        return None
    try:
        return cls._meta.get_field(name)
    except FieldDoesNotExist:
        for field in cls._meta.concrete_fields:
            if field.attname == name:
                return field
    return None


def _as_datetime(value) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else value
    if not isinstance(moment, dt.datetime):
        return str(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    return formats.date_format(timezone.localtime(moment), "d/m/Y H:i")


def _as_date(value) -> str:
    day = parse_date(value) if isinstance(value, str) else value
    return formats.date_format(day, "d/m/Y") if isinstance(day, dt.date) else str(value)


def _as_number(value) -> str:
    try:
        return formats.number_format(Decimal(str(value)), use_l10n=True)
    except InvalidOperation:
        return str(value)


class _Related:
    """Names of the rows foreign keys point to, fetched once per model for a page of events."""

    def __init__(self):
        self.wanted: dict[type, set] = {}
        self.names: dict[tuple[type, str], str] = {}

    def want(self, field, value) -> None:
        if value is not None:
            self.wanted.setdefault(field.related_model, set()).add(value)

    def load(self) -> None:
        for model, keys in self.wanted.items():
            found = model._base_manager.in_bulk([k for k in keys if str(k).isdigit()])
            for pk, obj in found.items():
                self.names[(model, str(pk))] = str(obj)

    def name(self, field, value) -> str:
        return self.names.get((field.related_model, str(value)), f"#{value}")


def format_value(field, value, related: _Related) -> str:
    if value is None or value == "":
        return EMPTY
    if field is None:
        return str(value)
    if field.name in MASKED:
        return "••••"
    if field.many_to_one or field.one_to_one:
        return related.name(field, value)
    if isinstance(field, models.BooleanField):
        return _("Oui") if value else _("Non")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DateTimeField):
        return _as_datetime(value)
    if isinstance(field, models.DateField):
        return _as_date(value)
    if isinstance(field, models.DecimalField | models.FloatField):
        return _as_number(value)
    listed = item_labels(field, value)
    if listed is not None:
        return listed
    if isinstance(value, list | dict):
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return str(value)


def lines(events) -> list[Line]:
    """The events, each with its model's label and its changes in words."""
    events = list(events)
    related = _Related()
    fields = {}
    for e in events:
        cls = model_class(e.app_label, e.model)
        for name, pair in (e.changes or {}).items():
            field = fields.setdefault((cls, name), _field(cls, name))
            if field is not None and (field.many_to_one or field.one_to_one):
                for value in pair:
                    related.want(field, value)
    related.load()
    out = []
    for e in events:
        cls = model_class(e.app_label, e.model)
        changes = []
        for name, (before, after) in (e.changes or {}).items():
            field = fields[(cls, name)]
            label = capfirst(str(field.verbose_name)) if field is not None else name
            changes.append(
                Change(
                    label, format_value(field, before, related), format_value(field, after, related)
                )
            )
        out.append(Line(e, model_label(e.app_label, e.model), changes))
    return out


def when(event) -> str:
    return formats.date_format(timezone.localtime(event.at), "d/m/Y H:i:s")


def to_csv(events) -> str:
    buf = io.StringIO()
    w = csv_writer(buf, delimiter=";")
    w.writerow(
        [
            _("Date"),
            _("Utilisateur"),
            _("Action"),
            _("Objet"),
            pgettext("objet audité", "Identifiant"),
            _("Libellé"),
            _("Champ"),
            _("Avant"),
            _("Après"),
            _("Motif"),
        ]
    )
    for line in lines(events):
        e = line.event
        head = [when(e), e.username, line.action_label, line.model_label, e.object_id]
        head.append(e.object_repr)
        if not line.changes:
            w.writerow([*head, "", "", "", translate(e.reason)])
        for change in line.changes:
            w.writerow([*head, change.label, change.before, change.after, translate(e.reason)])
    return buf.getvalue()
