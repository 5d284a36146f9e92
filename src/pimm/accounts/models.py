"""Users with one role each, API tokens and the append-only audit trail."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pimm.accounts.roles import MEMBER_ROLES, PLATFORM_ROLES, Role


class User(AbstractUser):
    role = models.CharField(_("rôle"), max_length=32, choices=Role.choices, default=Role.SECRETARY)
    member = models.ForeignKey(
        "registry.Member",
        verbose_name=_("membre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("Obligatoire pour les gestionnaires, secrétaires et manipulateurs."),
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")

    @property
    def is_platform_staff(self) -> bool:
        return self.is_active and (self.is_superuser or self.role in PLATFORM_ROLES)

    @property
    def is_reviewer(self) -> bool:
        return self.is_active and self.role == Role.ARS_REVIEWER

    @property
    def is_member_bound(self) -> bool:
        return self.role in MEMBER_ROLES

    @property
    def audit_member_id(self) -> int | None:
        return self.member_id


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def authenticate(self, raw: str) -> "ApiToken | None":
        token = (
            self.select_related("user")
            .filter(key_hash=_hash_token(raw), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if token is not None:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token


class ApiToken(models.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="tokens",
        verbose_name=_("utilisateur"),
    )
    name = models.CharField(_("nom"), max_length=100)
    prefix = models.CharField(_("préfixe"), max_length=8, editable=False)
    key_hash = models.CharField(
        _("empreinte de la clé"), max_length=64, unique=True, editable=False
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def new_key(cls) -> tuple[str, str, str]:
        raw = secrets.token_urlsafe(32)
        return raw, raw[:8], _hash_token(raw)


class AuditEvent(models.Model):
    """One change to one object: who, when, and the fields before and after.

    Written from django-simple-history's signal for every historical model, so one table can be
    filtered across the whole platform. Append-only: database triggers refuse UPDATE and DELETE.
    """

    class Action(models.TextChoices):
        CREATE = "+", _("création")
        UPDATE = "~", _("modification")
        DELETE = "-", _("suppression")
        LOGIN = "@", _("connexion")  # a user record whose only change is last_login

    at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("compte"),
    )
    username = models.CharField(_("utilisateur"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=1, choices=Action.choices)
    app_label = models.CharField(_("module"), max_length=64)
    model = models.CharField(_("objet"), max_length=64, db_index=True)
    object_id = models.CharField(_("identifiant de l'objet"), max_length=64, db_index=True)
    object_repr = models.CharField(_("libellé"), max_length=255)
    member_id = models.BigIntegerField(_("membre"), null=True, blank=True, db_index=True)
    changes = models.JSONField(_("changements"), default=dict)
    reason = models.TextField(_("motif"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("événement d'audit")
        verbose_name_plural = _("journal d'audit")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_repr}"
