"""The PACS tables: studies pimm matched, and how far the ``/changes`` feed has been read."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pimm.worklist.models import Exam


class PacsStudy(models.Model):
    """One study stable in the PACS and the exam it was matched to by accession number. Unique
    on the Study Instance UID: the same study stored many times is one row."""

    study_uid = models.CharField(_("Study Instance UID"), max_length=64, unique=True)
    orthanc_id = models.CharField(_("identifiant Orthanc"), max_length=64)
    accession_number = models.CharField(_("numéro d'accession"), max_length=16, blank=True)
    exam = models.ForeignKey(
        Exam,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("examen"),
    )
    received_at = models.DateTimeField(_("reçue le"), auto_now_add=True)
    problem = models.CharField(_("anomalie"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("étude du PACS")
        verbose_name_plural = _("études du PACS")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return self.study_uid

    @property
    def audit_member_id(self) -> int | None:
        return self.exam.member_id if self.exam_id else None


class PacsCursor(models.Model):
    """The last change of the PACS's ``/changes`` feed pimm has applied (one row per PACS)."""

    name = models.CharField(_("PACS"), max_length=50, unique=True)
    last_seq = models.BigIntegerField(_("dernier changement lu"), default=0)

    class Meta:
        verbose_name = _("position dans le flux du PACS")
        verbose_name_plural = _("positions dans le flux du PACS")

    def __str__(self) -> str:
        return f"{self.name}: {self.last_seq}"

    @property
    def audit_member_id(self) -> None:
        return None
