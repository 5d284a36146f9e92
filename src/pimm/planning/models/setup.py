"""Set-up of each device: planning profile, opening hours, closures, exam types, slot templates."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pimm.registry.models import Equipment, Modality

from ._base import SPECIALISED, Part, Weekday, _setup_url, _week_intervals


class DeviceProfile(models.Model):
    """What the planner needs to know about one device beyond the registry."""

    equipment = models.OneToOneField(
        Equipment,
        verbose_name=_("appareil"),
        on_delete=models.CASCADE,
        related_name="planning_profile",
    )
    merm_required = models.PositiveSmallIntegerField(_("MERM nécessaires"), default=1)
    requires_presence = models.BooleanField(
        _("présence d'un radiologue du membre requise"),
        default=False,
        help_text=_("Actes interventionnels ou injectés."),
    )
    open_on_holidays = models.BooleanField(_("ouvert les jours fériés"), default=False)
    accessible = models.BooleanField(_("accessible aux personnes à mobilité réduite"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("profil de planification")
        verbose_name_plural = _("profils de planification")

    def __str__(self) -> str:
        return str(self.equipment)

    def get_absolute_url(self) -> str:
        return _setup_url("device_profile", self.pk)

    @property
    def audit_member_id(self) -> int:
        return self.equipment.holder_id


class OpeningHours(models.Model):
    """One half-day session of a device on a weekday. `end <= start` means the next day."""

    equipment = models.ForeignKey(
        Equipment,
        verbose_name=_("appareil"),
        on_delete=models.CASCADE,
        related_name="opening_hours",
    )
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday.choices)
    part = models.CharField(_("demi-journée"), max_length=10, choices=Part.choices)
    start = models.TimeField(_("début"))
    end = models.TimeField(_("fin"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("horaire d'ouverture")
        verbose_name_plural = _("horaires d'ouverture")
        ordering = ["equipment", "weekday", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["equipment", "weekday", "part"], name="opening_hours_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.equipment} — {self.get_weekday_display()} {self.get_part_display()}"

    def get_absolute_url(self) -> str:
        return _setup_url("opening_hours", self.pk)

    def clean(self) -> None:
        if self.start is None or self.end is None or self.equipment_id is None:
            return
        if self.start == self.end:
            raise ValidationError(
                {"end": _("La séance ne peut pas commencer et finir à la même heure.")}
            )
        if self.end < self.start and self.part != Part.NIGHT:
            raise ValidationError(
                {
                    "end": _(
                        "La fermeture (%(end)s) précède l'ouverture (%(start)s) : seule une "
                        "séance de nuit peut finir le lendemain."
                    )
                    % {"end": f"{self.end:%H:%M}", "start": f"{self.start:%H:%M}"}
                }
            )
        mine = _week_intervals(self.weekday, self.start, self.end)
        others = OpeningHours.objects.filter(equipment_id=self.equipment_id).exclude(pk=self.pk)
        for other in others:
            theirs = _week_intervals(other.weekday, other.start, other.end)
            if any(a < d and c < b for a, b in mine for c, d in theirs):
                raise ValidationError(
                    {
                        "start": _(
                            "Ces horaires chevauchent la séance « %(other)s » "
                            "(%(start)s – %(end)s) du même appareil."
                        )
                        % {
                            "other": f"{other.get_weekday_display()} {other.get_part_display()}",
                            "start": f"{other.start:%H:%M}",
                            "end": f"{other.end:%H:%M}",
                        }
                    }
                )

    @property
    def audit_member_id(self) -> int:
        return self.equipment.holder_id


class Closure(models.Model):
    class Kind(models.TextChoices):
        MAINTENANCE = "maintenance", _("maintenance")
        CLOSURE = "closure", _("fermeture")

    equipment = models.ForeignKey(
        Equipment, verbose_name=_("appareil"), on_delete=models.CASCADE, related_name="closures"
    )
    kind = models.CharField(
        _("type"), max_length=12, choices=Kind.choices, default=Kind.MAINTENANCE
    )
    start = models.DateTimeField(_("début"))
    end = models.DateTimeField(_("fin"))
    reason = models.CharField(_("motif"), max_length=200)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("fermeture ou maintenance")
        verbose_name_plural = _("fermetures et maintenances")
        ordering = ["equipment", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="closure_ends_after_start",
                violation_error_message=_("La fin de la fermeture doit suivre son début."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.equipment} : {self.get_kind_display()} ({self.reason})"

    def get_absolute_url(self) -> str:
        return _setup_url("closure", self.pk)

    def clean(self) -> None:
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("La fin de la fermeture doit suivre son début.")})

    @property
    def audit_member_id(self) -> int:
        return self.equipment.holder_id


class ExamType(models.Model):
    code = models.CharField(_("code"), max_length=30, unique=True)
    label = models.CharField(_("libellé"), max_length=200)
    modality = models.CharField(_("modalité"), max_length=10, choices=Modality.choices)
    minutes = models.PositiveSmallIntegerField(
        _("durée (min)"), validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    radiologist_required = models.BooleanField(
        _("radiologue présent requis"),
        default=False,
        help_text=_("Échographie, interventionnel, injection : un radiologue sur place."),
    )
    purpose = models.CharField(
        _("finalité spécialisée"),
        max_length=12,
        choices=[(p.value, p.label) for p in SPECIALISED],
        blank=True,
        help_text=_("Proposée par défaut comme besoin spécialisé des demandes de ce type."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("type d'examen")
        verbose_name_plural = _("types d'examen")
        ordering = ["modality", "label"]

    def __str__(self) -> str:
        return f"{self.label} ({self.minutes} min)"

    def get_absolute_url(self) -> str:
        return _setup_url("exam_type", self.pk)

    @property
    def audit_member_id(self) -> None:
        return None


class SlotTemplate(models.Model):
    """How a vacation is cut into slots; matched by device, else modality, else the default."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    equipment = models.ForeignKey(
        Equipment,
        verbose_name=_("appareil"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="slot_templates",
    )
    modality = models.CharField(_("modalité"), max_length=10, choices=Modality.choices, blank=True)
    slot_minutes = models.PositiveSmallIntegerField(
        _("durée d'une plage (min)"), validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    emergency_slots = models.PositiveSmallIntegerField(
        _("plages d'urgence par vacation"), default=1
    )
    emergency_slots_pdses = models.PositiveSmallIntegerField(
        _("plages d'urgence par vacation en horaires de PDSES"), default=2
    )
    emergency_release_minutes = models.PositiveIntegerField(
        _("libération des plages d'urgence (min avant)"), default=120
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("modèle de plages")
        verbose_name_plural = _("modèles de plages")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return _setup_url("slot_template", self.pk)

    def clean(self) -> None:
        errors = {}
        if (
            self.emergency_slots is not None
            and self.emergency_slots_pdses is not None
            and self.emergency_slots_pdses < self.emergency_slots
        ):
            errors["emergency_slots_pdses"] = _(
                "En horaires de PDSES, il faut au moins autant de plages d'urgence qu'en "
                "journée (%(n)s)."
            ) % {"n": self.emergency_slots}
        if self.equipment_id and self.modality and self.equipment.modality != self.modality:
            errors["modality"] = _(
                "L'appareil %(eq)s n'est pas de cette modalité : laissez la modalité vide ou "
                "choisissez %(mod)s."
            ) % {"eq": self.equipment, "mod": self.equipment.get_modality_display()}
        if self.slot_minutes and self.emergency_slots_pdses is not None:
            shortest = 4 * 60  # the shortest half-day session (evening, 18:00-22:00)
            if self.emergency_slots_pdses * self.slot_minutes > shortest:
                errors["emergency_slots_pdses"] = _(
                    "%(n)s plages de %(m)s min dépassent une vacation de 4 h."
                ) % {"n": self.emergency_slots_pdses, "m": self.slot_minutes}
        if errors:
            raise ValidationError(errors)


class SpecialisedQuota(models.Model):
    template = models.ForeignKey(
        SlotTemplate,
        verbose_name=_("modèle de plages"),
        on_delete=models.CASCADE,
        related_name="specialised",
    )
    purpose = models.CharField(
        _("finalité"), max_length=12, choices=[(p.value, p.label) for p in SPECIALISED]
    )
    slots = models.PositiveSmallIntegerField(_("plages par vacation"))
    release_minutes = models.PositiveIntegerField(_("libération (min avant)"), default=48 * 60)
    weekdays = models.JSONField(
        _("jours"), default=list, blank=True, help_text=_("Vide : tous les jours (0 = lundi).")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quota de plages spécialisées")
        verbose_name_plural = _("quotas de plages spécialisées")

    def __str__(self) -> str:
        return f"{self.template} : {self.slots} × {self.get_purpose_display()}"

    def get_absolute_url(self) -> str:
        return _setup_url("slot_quota", self.pk)

    def weekday_labels(self) -> str:
        labels = dict(Weekday.choices)
        return ", ".join(str(labels[d]) for d in self.weekdays) if self.weekdays else _("tous")

    def clean(self) -> None:
        days = self.weekdays or []
        if not isinstance(days, list) or any(
            not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= 6 for d in days
        ):
            raise ValidationError(
                {"weekdays": _("Les jours sont des nombres de 0 (lundi) à 6 (dimanche).")}
            )
        if self.slots == 0:
            raise ValidationError({"slots": _("Un quota compte au moins une plage.")})

    @property
    def audit_member_id(self) -> None:
        return None
