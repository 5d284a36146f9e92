"""The read-only FHIR R4 API (django-ninja, a second ``NinjaAPI`` mounted at ``/fhir/``).

Authenticated as the JSON API is (a bearer token, or the browser session); every row comes
from the owning room's access functions and selectors, so each role reads what the web shows
it. Every resource emitted is validated by its ``fhir.resources`` class; every error is an
OperationOutcome with a French diagnostic: 400 bad search parameter, 401 not signed in, 404
unknown type or id (missing and forbidden alike), 405 any write, 406 a format other than JSON,
415 a ``_search`` POST that is not a form, 500 whatever else (logged)."""

import logging

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from fhir.resources.R4B.bundle import Bundle
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth

from pimm.accounts.api_auth import TokenAuth
from pimm.interop.fhir import search as fhir_search
from pimm.interop.fhir.capability import capability_statement
from pimm.interop.fhir.catalog import KINDS
from pimm.interop.fhir.kinds import Ctx, Kind
from pimm.interop.fhir.outcome import FhirError, error_response, fhir_response

log = logging.getLogger("pimm.interop.fhir")
JSON_TYPES = {"application/fhir+json", "application/json", "application/*", "*/*", "json"}
FORM = "application/x-www-form-urlencoded"
WRITES = ["POST", "PUT", "PATCH", "DELETE"]


api = NinjaAPI(
    title="pimm FHIR R4",
    version="4.0.1",
    description="API FHIR R4 en lecture seule du plateau mutualisé d'imagerie médicale.",
    auth=[TokenAuth(), django_auth],
    urls_namespace="fhir",
    docs_url=None,
    openapi_url=None,
)


@api.exception_handler(FhirError)
def _fhir_error(request, exc: FhirError):
    return error_response(exc)


@api.exception_handler(AuthenticationError)
def _unauthorised(request, exc):
    error = FhirError(401, _("Authentification requise (jeton d'API ou session)."), "login")
    return error_response(error, {"WWW-Authenticate": 'Bearer realm="pimm-fhir"'})


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error_response(FhirError(404, _("Ressource introuvable."), "not-found"))


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc):
    return error_response(FhirError(400, _("Requête invalide."), "invalid"))


@api.exception_handler(Exception)
def _internal_error(request, exc):
    log.exception("Unhandled FHIR error on %s", request.path)
    return error_response(FhirError(500, _("Erreur interne du serveur."), "exception"))


# -- negotiation -------------------------------------------------------------------------------


def _media_types(header: str) -> list[str]:
    out = []
    for item in header.split(","):
        media, *params = (p.strip() for p in item.split(";"))
        if any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params):
            continue
        if media:
            out.append(media.lower())
    return out


def negotiate(request: HttpRequest) -> None:
    """JSON only: ``_format`` or ``Accept`` asking for anything else is a 406."""
    wanted = request.GET.get("_format")
    if wanted is not None:
        if wanted.split(";")[0].strip().lower() not in JSON_TYPES:
            raise FhirError(
                406, _("Format non pris en charge : seul JSON (application/fhir+json) est servi.")
            )
        return
    accept = request.headers.get("Accept", "")
    if accept.strip() and not set(_media_types(accept)) & JSON_TYPES:
        raise FhirError(
            406, _("Format non pris en charge : seul JSON (application/fhir+json) est servi.")
        )


def _kind(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise FhirError(
            404,
            _("Type de ressource « %(type)s » non pris en charge.") % {"type": name[:64]},
            "not-supported",
        )
    return kind


def _pairs(query) -> list[tuple[str, str]]:
    return [(name, value) for name, values in query.lists() for value in values]


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir/").rstrip("/")


# -- endpoints ---------------------------------------------------------------------------------


@api.get("/metadata", auth=None, include_in_schema=False)
def metadata(request):
    negotiate(request)
    return fhir_response(capability_statement(_base(request)))


def _search(request, kind: Kind, params: list[tuple[str, str]]):
    search = fhir_search.parse(kind, params)
    ctx = Ctx(request.auth)
    page = fhir_search.run(search, ctx)
    base = _base(request)
    entries = []
    for part in kind.parts:
        rows = [obj for p, obj in page.rows if p is part]
        if rows and part.seen:
            part.seen(rows, ctx)
    for part, obj in page.rows:
        resource = kind.validate(part.render(obj, ctx))
        entries.append(
            {
                "fullUrl": f"{base}/{kind.name}/{part.fhir_id(obj)}",
                "resource": resource,
                "search": {"mode": "match"},
            }
        )
    bundle = kind_bundle(
        total=page.total, links=fhir_search.links(f"{base}/{kind.name}", search, page.total)
    )
    bundle["entry"] = entries or None
    return fhir_response(_validated_bundle(bundle))


def kind_bundle(*, total: int, links: list[dict]) -> dict:
    return {"resourceType": "Bundle", "type": "searchset", "total": total, "link": links}


def _validated_bundle(data: dict) -> Bundle:
    return Bundle.model_validate(data)


@api.get("/{rtype}", include_in_schema=False)
def search_type(request, rtype: str):
    negotiate(request)
    kind = _kind(rtype)
    return _search(request, kind, _pairs(request.GET))


@api.api_operation(["GET", "POST"], "/{rtype}/_search", include_in_schema=False)
def search_post(request, rtype: str):
    if request.method == "GET":  # no resource has the id "_search"
        return read(request, rtype, "_search")
    negotiate(request)
    kind = _kind(rtype)
    content_type = request.content_type or ""
    if content_type != FORM:
        raise FhirError(
            415,
            _("Une recherche par POST attend un formulaire (%(type)s).") % {"type": FORM},
            "not-supported",
        )
    params = [*_pairs(request.GET), *_pairs(request.POST)]
    return _search(request, kind, params)


@api.get("/{rtype}/{rid}", include_in_schema=False)
def read(request, rtype: str, rid: str):
    negotiate(request)
    kind = _kind(rtype)
    ctx = Ctx(request.auth)
    for part in kind.parts:
        pk = part.pk_of(rid)
        if pk is None:
            continue
        obj = part.prepare(part.rows(ctx.user)).filter(pk=pk).first()
        if obj is not None:
            if part.seen:
                part.seen([obj], ctx)
            return fhir_response(kind.validate(part.render(obj, ctx)))
    raise FhirError(
        404,
        _("%(type)s/%(id)s introuvable (ou hors de vos droits).")
        % {"type": kind.name, "id": rid[:64]},
        "not-found",
    )


def _read_only():
    return FhirError(
        405,
        _("Cette API FHIR est en lecture seule : seules la lecture et la recherche sont permises."),
        "not-supported",
    )


@api.api_operation(WRITES, "/metadata", auth=None, include_in_schema=False)
def write_metadata(request):
    raise _read_only()


@api.api_operation(WRITES, "/{rtype}", auth=None, include_in_schema=False)
def write_type(request, rtype: str):
    raise _read_only()


@api.api_operation(WRITES, "/{rtype}/{rid}", auth=None, include_in_schema=False)
def write_instance(request, rtype: str, rid: str):
    raise _read_only()


@api.api_operation(["GET", *WRITES], "/{path:rest}", auth=None, include_in_schema=False)
def unknown(request, rest: str):
    raise FhirError(404, _("Adresse FHIR inconnue."), "not-found")
