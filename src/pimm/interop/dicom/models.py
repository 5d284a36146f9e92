"""The DICOM tables: one row per MPPS instance a modality created, and the dose it reported."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pimm.interop.models import Channel
from pimm.worklist.models import Exam


class PerformedStep(models.Model):
    """A Modality Performed Procedure Step (N-CREATE, then N-SET) of one exam, from one channel.
    The SOP Instance UID is unique: a repeated N-CREATE creates nothing (0x0111)."""

    class Status(models.TextChoices):
        IN_PROGRESS = "IN PROGRESS", _("en cours")
        COMPLETED = "COMPLETED", _("terminé")
        DISCONTINUED = "DISCONTINUED", _("interrompu")

    sop_instance_uid = models.CharField(_("UID de l'instance MPPS"), max_length=64, unique=True)
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="+", verbose_name=_("canal")
    )
    exam = models.ForeignKey(
        Exam, on_delete=models.PROTECT, related_name="+", verbose_name=_("examen")
    )
    status = models.CharField(_("statut"), max_length=15, choices=Status.choices)
    started_at = models.DateTimeField(_("début"))
    ended_at = models.DateTimeField(_("fin"), null=True, blank=True)
    reason = models.CharField(_("motif d'interruption"), max_length=300, blank=True)
    series = models.JSONField(_("séries"), default=list, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("étape réalisée (MPPS)")
        verbose_name_plural = _("étapes réalisées (MPPS)")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"MPPS {self.sop_instance_uid} ({self.status})"

    @property
    def audit_member_id(self) -> int:
        return self.channel.member_id


class DoseRecord(models.Model):
    """The dose an exam delivered, as its modality reported it in the completed MPPS (CTDIvol
    and DLP for CT, DAP for radiography and fluoroscopy), and the NRD it was compared with."""

    exam = models.OneToOneField(
        Exam, on_delete=models.PROTECT, related_name="+", verbose_name=_("examen")
    )
    step = models.OneToOneField(
        PerformedStep, on_delete=models.PROTECT, related_name="dose", verbose_name=_("MPPS")
    )
    member = models.ForeignKey(
        "registry.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("membre")
    )
    performed_at = models.DateTimeField(_("réalisé le"))
    modality = models.CharField(_("modalité"), max_length=10)
    exam_type = models.CharField(_("type d'examen"), max_length=100, blank=True)
    ctdivol = models.DecimalField(
        _("CTDIvol (mGy)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    dlp = models.DecimalField(
        _("PDL (mGy·cm)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    dap = models.DecimalField(
        _("PDS (mGy·cm²)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # the reference level compared with (from nrd.csv), empty when none applies
    nrd_exam = models.CharField(_("NRD de référence"), max_length=120, blank=True)
    nrd_quantity = models.CharField(_("grandeur"), max_length=20, blank=True)
    nrd_value = models.DecimalField(
        _("valeur du NRD"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    measured = models.DecimalField(
        _("valeur mesurée"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    above_nrd = models.BooleanField(_("au-dessus du NRD"), default=False, db_index=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dose délivrée")
        verbose_name_plural = _("doses délivrées")
        ordering = ["-performed_at"]

    def __str__(self) -> str:
        return f"Dose {self.exam_id}"

    @property
    def audit_member_id(self) -> int:
        return self.member_id

    @property
    def ratio(self):
        """Measured over reference (1.25 = 25 % above the NRD), None without a reference."""
        if self.nrd_value and self.measured is not None:
            return self.measured / self.nrd_value
        return None
