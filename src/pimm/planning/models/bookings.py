"""Bookings of slots by the members (a pseudonymised patient, never an identity)."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pimm.registry.models import Equipment, Member

from ._base import SPECIALISED, Purpose
from .setup import ExamType

PSEUDONYM_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{5,39}$")


def validate_pseudonym(value: str) -> None:
    """A patient pseudonym: 6 to 40 capitals, digits and dashes, at least two digits. Never a name."""
    if not PSEUDONYM_RE.match(value or "") or sum(c.isdigit() for c in value) < 2:
        raise ValidationError(
            _(
                "Le pseudonyme patient doit compter 6 à 40 majuscules, chiffres ou tirets, dont au "
                "moins deux chiffres (ex. PAT-7F3K21) : jamais le nom du patient."
            )
        )


class Priority(models.TextChoices):
    ROUTINE = "routine", _("programmé")
    EMERGENCY = "emergency", _("urgence")


class Booking(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("réservé")
        CANCELLED = "cancelled", _("annulé")

    order_reference = models.CharField(_("référence de la demande"), max_length=64)
    exam_type = models.ForeignKey(
        ExamType, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("type d'examen")
    )
    priority = models.CharField(
        _("priorité"), max_length=10, choices=Priority.choices, default=Priority.ROUTINE
    )
    purpose = models.CharField(
        _("besoin spécialisé"),
        max_length=12,
        choices=[(p.value, p.label) for p in SPECIALISED],
        blank=True,
    )
    patient_pseudonym = models.CharField(
        _("pseudonyme patient"), max_length=40, validators=[validate_pseudonym]
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("membre demandeur"),
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    equipment = models.ForeignKey(
        Equipment, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("équipement")
    )
    start = models.DateTimeField(_("début"))
    end = models.DateTimeField(_("fin"))
    used_reserved = models.CharField(
        _("plage réservée utilisée"), max_length=12, choices=Purpose.choices, blank=True
    )
    released = models.BooleanField(_("sur plage libérée"), default=False)
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.BOOKED, db_index=True
    )
    cancel_reason = models.CharField(_("motif d'annulation"), max_length=255, blank=True)
    moves = models.PositiveSmallIntegerField(_("déplacements"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("créé par"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rendez-vous")
        verbose_name_plural = _("rendez-vous")
        ordering = ["start"]
        indexes = [models.Index(fields=["equipment", "start"])]
        constraints = [
            models.UniqueConstraint(
                fields=["order_reference"],
                condition=models.Q(status="booked"),
                name="one_active_booking_per_order",
                violation_error_message=_("Cette demande a déjà un rendez-vous."),
            )
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.start) if timezone.is_aware(self.start) else self.start
        return f"{self.order_reference} — {self.exam_type.label} {start:%d/%m/%Y %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("planning:booking_detail", args=[self.pk])

    @property
    def audit_member_id(self) -> int:
        return self.member_id

    @property
    def active(self) -> bool:
        return self.status == self.Status.BOOKED
