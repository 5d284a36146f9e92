"""The interop room's tables shared by every integration (``Channel``). Each integration adds
its own tables in its own module, re-exported here so Django finds them."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pimm.registry.models import Equipment, Member, Site


class Channel(models.Model):
    """One sending system of one member (its HIS, its RIS or one modality), configured by the
    coordinator. A message or association is accepted only from an active channel, and may
    only create, change or read records of the channel's member on the channel's sites."""

    class Kind(models.TextChoices):
        HL7 = "hl7", _("HL7 v2 (MLLP)")
        DICOM = "dicom", _("DICOM (modalité)")

    name = models.CharField(_("nom"), max_length=100)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="+", verbose_name=_("membre")
    )
    sites = models.ManyToManyField(Site, related_name="+", verbose_name=_("sites"))
    active = models.BooleanField(_("actif"), default=True)
    # HL7: how the sender names itself (MSH-3 sending application, MSH-4 sending facility)
    sending_application = models.CharField(
        _("application émettrice (MSH-3)"), max_length=180, blank=True
    )
    sending_facility = models.CharField(
        _("établissement émetteur (MSH-4)"), max_length=180, blank=True
    )
    # DICOM: the modality's calling AE title and the device it is
    ae_title = models.CharField(_("AE title appelant"), max_length=16, blank=True)
    equipment = models.ForeignKey(
        Equipment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("appareil"),
    )
    # addresses allowed to connect, one IP or network (CIDR) per line; empty: any
    allowed_addresses = models.TextField(_("adresses autorisées"), blank=True)
    # where outbound messages (ORU^R01) go; empty: nothing is sent to this channel
    outbound_host = models.CharField(_("hôte de destination"), max_length=255, blank=True)
    outbound_port = models.PositiveIntegerField(_("port de destination"), null=True, blank=True)
    outbound_tls = models.BooleanField(_("TLS en sortie"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("canal d'interface")
        verbose_name_plural = _("canaux d'interface")
        ordering = ["member", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["sending_application", "sending_facility"],
                condition=models.Q(kind="hl7"),
                name="interop_channel_hl7_sender_unique",
            ),
            models.UniqueConstraint(
                fields=["ae_title"],
                condition=models.Q(kind="dicom"),
                name="interop_channel_ae_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_member_id(self) -> int:
        return self.member_id


from pimm.interop.dicom.models import DoseRecord, PerformedStep  # noqa: E402
from pimm.interop.hl7.models import (  # noqa: E402
    InboundMessage,
    OutboundMessage,
    PatientIdentifier,
)
from pimm.interop.pacs.models import PacsCursor, PacsStudy  # noqa: E402

__all__ = [
    "Channel",
    "DoseRecord",
    "InboundMessage",
    "OutboundMessage",
    "PacsCursor",
    "PacsStudy",
    "PatientIdentifier",
    "PerformedStep",
]
