"""The filters of the registry lists (a select each above the table, and the same query string on
the CSV/XLSX export): what each one offers and how it narrows the rows already scoped by
``access.visible``. A value outside the offered choices is ignored, never an error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pimm.registry import access, legal
from pimm.registry import models as m


@dataclass(frozen=True)
class Filter:
    key: str  # the query-string parameter
    label: str
    choices: Callable[[object], list[tuple[str, str]]]  # (value, label) for the user
    apply: Callable[[QuerySet, str], QuerySet]


def _members(user) -> list[tuple[str, str]]:
    return [
        (str(pk), name) for pk, name in access.visible(user, m.Member).values_list("pk", "name")
    ]


def _yes_no(_user) -> list[tuple[str, str]]:
    return [("1", _("Oui")), ("0", _("Non"))]


def _fixed(choices) -> Callable[[object], list[tuple[str, str]]]:
    return lambda _user: [(value, str(label)) for value, label in choices]


def by_member(key: str, path: str, label=None) -> Filter:
    return Filter(
        key,
        label or gettext_lazy("Membre"),
        _members,
        lambda qs, v: qs.filter(**{f"{path}_id": int(v)}),
    )


def by_choice(key: str, field: str, label, choices) -> Filter:
    return Filter(key, label, _fixed(choices), lambda qs, v: qs.filter(**{field: v}))


def by_flag(key: str, field: str, label) -> Filter:
    return Filter(key, label, _yes_no, lambda qs, v: qs.filter(**{field: v == "1"}))


AUTHORIZATION_STATE = Filter(
    "etat",
    gettext_lazy("État aujourd'hui"),
    lambda _user: legal.state_choices(),
    lambda qs, v: qs.filter(legal.state_q(v, timezone.localdate())),
)


def active_filters(screen, user, params) -> tuple[list[dict], dict[str, str]]:
    """Each filter of the screen with its choices and current value (for the page), and the
    values that apply (for the query string of the export)."""
    shown, chosen = [], {}
    for flt in screen.filters:
        choices = flt.choices(user)
        value = params.get(flt.key, "")
        if value not in {v for v, _l in choices}:
            value = ""
        if value:
            chosen[flt.key] = value
        shown.append({"key": flt.key, "label": flt.label, "choices": choices, "value": value})
    return shown, chosen


def apply_filters(screen, qs: QuerySet, chosen: dict[str, str]) -> QuerySet:
    for flt in screen.filters:
        if flt.key in chosen:
            qs = flt.apply(qs, chosen[flt.key])
    return qs
