"""HL7 v2 tables: every inbound message as received (durable before its ACK), the outbox of
ORU^R01 reports with their retries, and each member's patient identifiers (IPP).

No history tables here: a message's raw text carries identities, and the rows are themselves
the traffic log (who replayed what is kept on the row)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pimm.interop.models import Channel
from pimm.registry.models import Member
from pimm.worklist.models import Exam, Patient

__all__ = ["InboundMessage", "OutboundMessage", "PatientIdentifier"]


class InboundMessage(models.Model):
    """One message read from an MLLP connection. A resend (same MSH-3, MSH-4, MSH-10) finds
    this row through the unique constraint and gets ``ack`` back unchanged."""

    class State(models.TextChoices):
        RECEIVED = "received", _("reçu, en attente")
        APPLIED = "applied", _("appliqué")
        REJECTED = "rejected", _("refusé")
        FAILED = "failed", _("en échec")

    channel = models.ForeignKey(
        Channel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("canal"),
    )
    peer = models.CharField(_("adresse de l'émetteur"), max_length=64, blank=True)
    raw = models.BinaryField(_("message reçu"))
    corrected = models.TextField(_("message corrigé"), blank=True)
    sending_application = models.CharField(_("MSH-3"), max_length=180, blank=True)
    sending_facility = models.CharField(_("MSH-4"), max_length=180, blank=True)
    control_id = models.CharField(_("MSH-10"), max_length=64, blank=True)
    message_type = models.CharField(_("type de message"), max_length=20, blank=True)
    placer_number = models.CharField(
        _("numéro de demande"), max_length=64, blank=True, db_index=True
    )
    state = models.CharField(
        _("état"), max_length=10, choices=State.choices, default=State.RECEIVED
    )
    ack_code = models.CharField(_("code d'acquittement"), max_length=2, blank=True)
    ack = models.TextField(_("acquittement envoyé"), blank=True)
    reason = models.TextField(_("motif"), blank=True)
    received_at = models.DateTimeField(_("reçu le"))
    processed_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    replayed_at = models.DateTimeField(_("rejoué le"), null=True, blank=True)
    replayed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("rejoué par"),
    )
    replay_count = models.PositiveIntegerField(_("nombre de rejeux"), default=0)

    class Meta:
        verbose_name = _("message HL7 reçu")
        verbose_name_plural = _("messages HL7 reçus")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["sending_application", "sending_facility", "control_id"],
                condition=~models.Q(control_id=""),
                name="hl7_inbound_sender_control_unique",
            )
        ]
        indexes = [models.Index(fields=["channel", "state"])]

    def __str__(self) -> str:
        return f"{self.message_type or '?'} {self.control_id or self.pk}"

    @property
    def audit_member_id(self) -> int | None:
        return self.channel.member_id if self.channel_id else None

    @property
    def text(self) -> str:
        """The message as last corrected, else as received (decoded for reading)."""
        return self.corrected or bytes(self.raw).decode("utf-8", errors="replace")


class OutboundMessage(models.Model):
    """One ORU^R01 waiting for, or done with, delivery to a channel's endpoint."""

    class State(models.TextChoices):
        QUEUED = "queued", _("en attente d'envoi")
        SENT = "sent", _("envoyé")
        DEAD = "dead", _("abandonné (lettre morte)")

    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="+", verbose_name=_("canal")
    )
    exam = models.ForeignKey(
        Exam, on_delete=models.PROTECT, related_name="+", verbose_name=_("examen")
    )
    amended = models.BooleanField(_("avenant"), default=False)
    control_id = models.CharField(_("MSH-10"), max_length=64, unique=True)
    placer_number = models.CharField(
        _("numéro de demande"), max_length=64, blank=True, db_index=True
    )
    payload = models.TextField(_("message"))
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    next_try_at = models.DateTimeField(_("prochain essai"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(_("créé le"))
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("message HL7 émis")
        verbose_name_plural = _("messages HL7 émis")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["state", "next_try_at"])]

    def __str__(self) -> str:
        return f"ORU^R01 {self.control_id}"

    @property
    def audit_member_id(self) -> int:
        return self.channel.member_id


class PatientIdentifier(models.Model):
    """A member's own patient number (IPP, PID-3 type PI) for a pimm patient."""

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="+", verbose_name=_("membre")
    )
    ipp = models.CharField(_("IPP"), max_length=64)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="+", verbose_name=_("patient")
    )

    class Meta:
        verbose_name = _("identifiant patient (IPP)")
        verbose_name_plural = _("identifiants patient (IPP)")
        constraints = [
            models.UniqueConstraint(fields=["member", "ipp"], name="hl7_patient_ipp_unique")
        ]

    def __str__(self) -> str:
        return f"{self.ipp} → {self.patient}"

    @property
    def audit_member_id(self) -> int:
        return self.member_id
