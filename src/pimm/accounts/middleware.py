"""Before the second factor, a user whose role requires one reaches only enrolment, the code page
and logout (see `second_factor`); privileged roles get a shorter session."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from pimm.accounts.second_factor import (
    ALLOWED_BEFORE_SECOND_FACTOR,
    PREFIXES_BEFORE_SECOND_FACTOR,
    is_privileged,
    lacks_second_factor,
)

_EXPIRY_KEY = "_session_expiry"


def _allowed_before_second_factor(path: str) -> bool:
    if path.startswith(PREFIXES_BEFORE_SECOND_FACTOR):
        return True
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.view_name in ALLOWED_BEFORE_SECOND_FACTOR


class RequireSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if lacks_second_factor(user) and not _allowed_before_second_factor(request.path_info):
            if request.path_info.startswith("/api/"):
                return JsonResponse(
                    {"detail": _("Double authentification requise : saisissez votre code.")},
                    status=403,
                )
            if request.path_info.startswith("/fhir/"):
                return _fhir_second_factor()
            return redirect(reverse("accounts:otp"))
        if is_privileged(user) and _EXPIRY_KEY not in request.session:
            request.session.set_expiry(settings.PIMM_PRIVILEGED_SESSION_SECONDS)
        return self.get_response(request)


def _fhir_second_factor() -> JsonResponse:
    """The FHIR API's answer (an OperationOutcome) to a session still waiting for its code."""
    message = _("Double authentification requise : saisissez votre code.")
    issue = {"severity": "error", "code": "security", "diagnostics": message}
    return JsonResponse(
        {"resourceType": "OperationOutcome", "issue": [issue]},
        status=403,
        content_type="application/fhir+json; charset=utf-8",
        json_dumps_params={"ensure_ascii": False},
    )
