"""One shape for validation errors: Django's ``ValidationError`` as ``{field: [messages]}``, and
that mapping as the API's 422 body (the same body ninja gives for a malformed request)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import Status


def error_dict(exc: ValidationError, non_field: str = "__all__") -> dict[str, list[str]]:
    """Messages by field; errors not tied to a field go under ``non_field``."""
    if hasattr(exc, "error_dict"):
        return {k: list(v) for k, v in exc.message_dict.items()}
    return {non_field: list(exc.messages)}


def error_detail(errors: Mapping[str, Iterable[str]]) -> list[dict]:
    return [
        {"loc": ["body", field or "__all__"], "msg": str(msg), "type": "validation_error"}
        for field, msgs in errors.items()
        for msg in msgs
    ]


def unprocessable(errors: Mapping[str, Iterable[str]] | ValidationError) -> Status:
    """A 422 answer listing every message with its field."""
    if isinstance(errors, ValidationError):
        errors = error_dict(errors)
    return Status(422, {"detail": error_detail(errors)})


# ---- every answer of the API is JSON, errors included ------------------------------------------


def error_message(status: int) -> str:

    messages = {
        400: _("Requête invalide."),
        401: _("Authentification requise."),
        403: _("Accès refusé."),
        404: _("Introuvable."),
        405: _("Méthode non autorisée."),
        413: _("Requête trop volumineuse."),
        415: _("Type de contenu non pris en charge."),
        429: _("Trop de requêtes."),
        500: _("Erreur interne : l'incident est enregistré, réessayez plus tard."),
    }
    return messages.get(status, messages[400] if status < 500 else messages[500])


class ApiJsonErrorsMiddleware:
    """Under /api/, an error answer that is not JSON (Django's 404 page for a path no route matches,
    a 405, a CSRF 403, a 500) is replaced by ``{"detail": "<French reason>"}`` with its status."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path_info.startswith("/api/") or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        return _json_error(response.status_code, response)

    def process_exception(self, request, exception):
        if not request.path_info.startswith("/api/"):
            return None

        logging.getLogger("pimm.api").exception("Unhandled error on %s", request.path_info)
        return _json_error(500)


def _json_error(status: int, original=None):

    response = JsonResponse({"detail": error_message(status)}, status=status)
    if original is not None:
        for header in ("Allow", "WWW-Authenticate", "Retry-After"):
            if original.has_header(header):
                response[header] = original[header]
    return response
