"""Writes for accounts: users, TOTP devices and API tokens."""

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from pimm.accounts.models import ApiToken, User
from pimm.accounts.roles import MEMBER_ROLES


def user_create(
    *,
    username: str,
    password: str,
    role: str,
    member=None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    is_superuser: bool = False,
) -> User:
    if role in MEMBER_ROLES and member is None:
        raise ValueError(f"role {role} needs a member")
    with transaction.atomic():
        user = User(
            username=username,
            role=role,
            member=member,
            first_name=first_name,
            last_name=last_name,
            email=email,
            is_superuser=is_superuser,
            is_staff=is_superuser,
        )
        user.set_password(password)
        user.save()
    return user


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The user's unconfirmed TOTP device, created on first visit of the enrolment page."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="pimm", confirmed=False)


def totp_confirm(*, device: TOTPDevice, token: str) -> bool:
    if not device.verify_token(token):
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user, confirmed=True).delete()
        device.confirmed = True
        device.save()
    return True


def verify_totp(*, user: User, token: str) -> TOTPDevice | None:
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token):
            return device
    return None


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    raw, prefix, key_hash = ApiToken.new_key()
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, key_hash=key_hash)
    return token, raw


def api_token_revoke(*, user: User, token_id: int) -> int:
    return ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def user_save(*, actor: User, user: User) -> tuple[User, str | None]:
    """Create or update an account; a new one gets an unusable password and a set-password link."""
    creating = user.pk is None
    with transaction.atomic():
        if creating:
            user.set_unusable_password()
        user._history_user = actor
        user.save()
    if not creating:
        return user, None
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return user, reverse("accounts:password_reset_confirm", args=[uid, token])
