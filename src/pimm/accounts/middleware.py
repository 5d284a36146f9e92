"""Send users whose role requires a second factor to TOTP enrolment or verification."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

_EXEMPT_PREFIXES = ("/comptes/", "/static/", "/i18n/", "/api/")


class RequireSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        roles = settings.PIMM_REQUIRE_2FA_ROLES
        if (
            roles
            and user is not None
            and user.is_authenticated
            and (user.role in roles or user.is_superuser)
            and not user.is_verified()
            and not request.path.startswith(_EXEMPT_PREFIXES)
        ):
            return redirect(reverse("accounts:otp"))
        return self.get_response(request)
