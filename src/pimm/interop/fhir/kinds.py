"""What one FHIR resource type is made of: where its rows come from (each owning room's access
functions or selectors, so the API shows what the web shows), how a row becomes a resource, and
which search parameters it takes.

A type is one or more ``Part``s: Organization is the platform and the members; every other type
is one model. Ids are the row's primary key, prefixed when a type has several parts.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from pimm.worklist import access as worklist_access


@dataclass
class Ctx:
    """One request's reader: the user, and what is worth computing once per request."""

    user: Any

    @cached_property
    def reader(self):
        """The practitioner profile of a radiologist (who may see identities), else None."""
        return worklist_access.reader_of(self.user)


@dataclass(frozen=True)
class Part:
    rows: Callable[[Any], QuerySet]  # user -> the rows this user may read
    render: Callable[[Any, Ctx], dict]  # row -> the resource as a dict (validated by the Kind)
    prefix: str = ""  # id = prefix + pk
    identifier: Callable[[str | None, str], Q] | None = None  # (system or None, value) -> match
    dates: Mapping[str, str] = field(default_factory=dict)  # search parameter -> field
    statuses: Mapping[str, Q] = field(default_factory=dict)  # FHIR status code -> match
    prepare: Callable[[QuerySet], QuerySet] = lambda qs: qs  # annotations, select_related
    seen: Callable[[list, Ctx], None] | None = None  # after rendering a page (access log)

    def pk_of(self, fhir_id: str) -> int | None:
        if not fhir_id.startswith(self.prefix):
            return None
        rest = fhir_id[len(self.prefix) :]
        if not rest.isascii() or not rest.isdigit() or len(rest) > 18:
            return None
        return int(rest)

    def fhir_id(self, obj) -> str:
        return f"{self.prefix}{obj.pk}"


@dataclass(frozen=True)
class Kind:
    name: str  # the FHIR resource type
    model: type  # its fhir.resources (R4B) class: every resource emitted is validated by it
    parts: tuple[Part, ...]
    profile: str = ""  # the documentation line of the CapabilityStatement

    @property
    def date_params(self) -> list[str]:
        return sorted({name for p in self.parts for name in p.dates})

    @property
    def status_codes(self) -> list[str]:
        return sorted({code for p in self.parts for code in p.statuses})

    @property
    def has_identifier(self) -> bool:
        return any(p.identifier for p in self.parts)

    def validate(self, data: dict):
        return self.model.model_validate(data)


def ref(kind: str, pk, prefix: str = "", display: str | None = None) -> dict:
    out = {"reference": f"{kind}/{prefix}{pk}"}
    if display:
        out["display"] = display
    return out


def instant(value) -> str | None:
    """An aware datetime as FHIR instant/dateTime, in Paris time with its offset."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def identifier_q(pairs: Mapping[str, tuple[str, ...]], system: str | None, value: str) -> Q:
    """Match ``value`` on the fields named for ``system`` (every field when no system).

    ``pairs`` maps each identifier system to the fields holding its values."""
    if system is None:
        fields = {f for fs in pairs.values() for f in fs}
    elif system == "":  # "|value": an identifier without a system; pimm has none
        return Q(pk__in=[])
    else:
        fields = set(pairs.get(system, ()))
    if not value or not fields:
        return Q(pk__in=[])
    q = Q(pk__in=[])
    for name in sorted(fields):
        q |= Q(**{name: value})
    return q


def ident(system: str, value: str, type_code: str | None = None, type_system: str = "", **kw):
    out: dict = {"system": system, "value": value}
    if type_code:
        out["type"] = {"coding": [{"system": type_system, "code": type_code}]}
    return out | kw
