"""The import job: one uploaded spreadsheet, checked and written by a background task.

Kept out of `models.py` (which stays under 600 lines) and re-exported from it, so Django and the
rest of the code see it as `pimm.registry.models.ImportJob`.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    class Kind(models.TextChoices):  # the keys of `pimm.registry.imports.KINDS`
        SITES = "sites", _("Sites")
        EQUIPMENT = "equipment", _("Équipements")
        PRACTITIONERS = "practitioners", _("Radiologues")

    class Status(models.TextChoices):
        QUEUED = "queued", _("En file d'attente")
        RUNNING = "running", _("En cours")
        CHECKED = "checked", _("Vérifié, à confirmer")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Refusé")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(_("type de données"), max_length=20, choices=Kind.choices)
    file_name = models.CharField(_("fichier"), max_length=255)
    content = models.BinaryField()  # the uploaded bytes (at most imports.MAX_BYTES)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_checked = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    # [{"line": 3, "column": "rpps", "label": "RPPS", "message": "..."}], in the creator's language
    errors = models.JSONField(default=list, blank=True)
    # the check before writing: {"create": n, "update": n, "rows": [{"line", "action", "text"}]}
    preview = models.JSONField(_("aperçu"), default=dict, blank=True)
    # the creator saw the preview and asked for the rows to be written
    confirmed = models.BooleanField(_("confirmé"), default=False)
    message = models.TextField(blank=True)  # an unexpected failure of the task itself
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("import")

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.kind}, {self.file_name}, {self.status})"

    def get_absolute_url(self) -> str:
        return reverse("registry:import_job", args=[self.pk])

    @property
    def running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def writing(self) -> bool:
        """Every row checked, the rows being written in one transaction."""
        return self.status == self.Status.RUNNING and 0 < self.rows_total == self.rows_checked

    @property
    def audit_member_id(self) -> None:
        return None
