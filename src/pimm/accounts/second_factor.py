"""Who must pass a second factor, and what they may reach before it (one place for the rule).

The middleware, the API's token check and the token form all ask here, so a coordinator who never
enrolled a device reaches nothing but enrolment, the code page and logout -- not the accounts pages,
not the API (by session or by a token issued before the second factor).
"""

from __future__ import annotations

from django.conf import settings
from django_otp import devices_for_user

from pimm.accounts.roles import PLATFORM_ROLES

# URL names a signed-in user may reach before the second factor
ALLOWED_BEFORE_SECOND_FACTOR = frozenset(
    {"accounts:login", "accounts:otp", "accounts:totp_setup", "accounts:logout"}
)
# static files and the language switch carry no data and no action on the platform
PREFIXES_BEFORE_SECOND_FACTOR = ("/static/", "/i18n/")


def requires_second_factor(user) -> bool:
    """True for a signed-in user whose role must use a second factor (settings)."""
    roles = settings.PIMM_REQUIRE_2FA_ROLES
    if not roles or user is None or not user.is_authenticated:
        return False
    return user.role in roles or user.is_superuser


def is_privileged(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_superuser or user.role in PLATFORM_ROLES)
    )


def lacks_second_factor(user) -> bool:
    """A session user who must pass a second factor and has not in this session."""
    return requires_second_factor(user) and not user.is_verified()


def token_allowed(token) -> bool:
    """An API token of a role that needs a second factor counts only if it was issued after the
    user enrolled a confirmed device (tokens are issued from a verified session only)."""
    user = token.user
    if not requires_second_factor(user):
        return True
    return any(
        getattr(device, "created_at", None) is not None and device.created_at <= token.created_at
        for device in devices_for_user(user, confirmed=True)
    )
