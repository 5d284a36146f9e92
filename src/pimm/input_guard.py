"""Bad input never reaches a view: one check of every request's parameters (a shared boundary).

Out-of-range or malformed values -- years 0 or 10000, dates 0001-01-01 or 9999-12-31, ids of 2**70,
NUL bytes, 131,072-character search strings -- used to reach the ORM or the date arithmetic of a
page and end as a 500. Here each gets a French 400 naming the parameter (JSON under /api/), before
any view runs. Rules by value apply to every parameter; rules by name to the query parameters the
pages read by hand (`annee`, `mois`, `date`, ids...). Forms keep their own field checks.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from pimm.api_types import MAX_DATE, MAX_ID, MIN_DATE

MAX_QUERY_VALUE = 1_000  # a search box, an id, a date: never more
MAX_POST_VALUE = 100_000  # a report, a note; uploads are files, not fields
_ISO_DATE = re.compile(r"^(-?\d{1,6})-(\d{1,2})-(\d{1,2})$")
_FR_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(-?\d{1,6})$")
_DIGITS = re.compile(r"^-?\d+$")
_MONTH = re.compile(r"^(\d{1,6})-(\d{1,2})$")

ID_PARAMETERS = frozenset(
    {"praticien", "slot", "site", "device", "equipment", "member", "rota", "membre", "equipement"}
)
DATE_PARAMETERS = frozenset({"date", "start", "end", "debut", "fin", "jour"})


class BadInput(Exception):
    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message


def _date_in_range(name: str, year: int, month: int, day: int) -> None:
    try:
        value = dt.date(year, month, day)
    except ValueError:
        raise BadInput(name, _("date invalide")) from None
    if not MIN_DATE <= value <= MAX_DATE:
        raise BadInput(
            name,
            _("date hors de la plage %(a)s – %(b)s")
            % {"a": MIN_DATE.strftime("%d/%m/%Y"), "b": MAX_DATE.strftime("%d/%m/%Y")},
        )


def check_value(name: str, value: str, *, query: bool) -> None:
    """Raise BadInput when the value of parameter `name` cannot be meant."""
    if "\x00" in value:
        raise BadInput(name, _("caractère nul interdit"))
    limit = MAX_QUERY_VALUE if query else MAX_POST_VALUE
    if len(value) > limit:
        raise BadInput(name, _("valeur trop longue (%(n)s caractères au plus)") % {"n": limit})
    if (match := _ISO_DATE.match(value)) and len(match.group(1)) >= 4:
        y, m, d = (int(g) for g in match.groups())
        _date_in_range(name, y, m, d)
    elif match := _FR_DATE.match(value):
        d, m, y = (int(g) for g in match.groups())
        if abs(y) >= 1000:
            _date_in_range(name, y, m, d)
    elif _DIGITS.match(value) and abs(int(value)) > MAX_ID:
        raise BadInput(name, _("nombre trop grand"))
    if not query:
        return
    if name in ID_PARAMETERS and value and not (_DIGITS.match(value) and int(value) > 0):
        raise BadInput(name, _("identifiant invalide"))
    if name in DATE_PARAMETERS and value and not (_ISO_DATE.match(value) or _FR_DATE.match(value)):
        raise BadInput(name, _("date invalide (AAAA-MM-JJ)"))
    if (
        name == "annee"
        and value
        and not (_DIGITS.match(value) and MIN_DATE.year <= int(value) <= MAX_DATE.year)
    ):
        raise BadInput(
            name, _("année entre %(a)s et %(b)s") % {"a": MIN_DATE.year, "b": MAX_DATE.year}
        )
    if name == "mois" and value:
        match = _MONTH.match(value)
        if not match:
            raise BadInput(name, _("mois invalide (AAAA-MM)"))
        _date_in_range(name, int(match.group(1)), int(match.group(2)), 1)


def check_request(request) -> None:
    for name, values in request.GET.lists():
        if len(name) > MAX_QUERY_VALUE or "\x00" in name:
            raise BadInput(name[:40], _("nom de paramètre invalide"))
        for value in values:
            check_value(name, value, query=True)
    if request.content_type == "application/json" and b"\\u0000" in request.body:
        # PostgreSQL refuses NUL in text: name the JSON field that carries one
        raise BadInput(_nul_field(request.body), _("caractère nul interdit"))
    if request.method in ("POST", "PUT", "PATCH") and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        for name, values in request.POST.lists():
            for value in values:
                check_value(name, value, query=False)


def _nul_field(body: bytes) -> str:

    try:
        data = json.loads(body)
    except ValueError:
        return "body"
    stack = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str) and "\x00" in value:
            return path or "body"
        if isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in str(key):
                    return path or "body"
                stack.append((f"{path}.{key}" if path else str(key), item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), item) for i, item in enumerate(value))
    return "body"


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/fhir/"):
            # FHIR's own syntax (date=ge2027-01-12): checked by pimm.interop.fhir.search, whose
            # refusals are OperationOutcomes
            return self.get_response(request)
        # an id no BIGINT holds names no object
        if any(len(part) > 18 and part.isdigit() for part in request.path_info.split("/")):
            raise Http404
        try:
            check_request(request)
        except BadInput as bad:
            return self.refuse(request, bad)
        return self.get_response(request)

    @staticmethod
    def refuse(request, bad: BadInput):
        if request.path_info.startswith("/api/"):
            where = "query" if bad.name in request.GET else "body"
            detail = [{"loc": [where, bad.name], "msg": bad.message, "type": "bad_input"}]
            return JsonResponse({"detail": detail}, status=422)
        return render(
            request,
            "web/bad_request.html",
            {"parameter": bad.name, "message": bad.message},
            status=400,
        )
