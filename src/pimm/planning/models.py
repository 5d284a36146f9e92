"""Shared equipment time: opening hours, closures, slot templates, vacation plans, slots, bookings.

Generated rows (vacations, slots, deviation lines) are written in bulk when a plan is solved or
published: they are audited through their plan's own history (who generated, who published).
Rows users change one by one (hours, closures, templates, plans, bookings) are audited row by row.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pimm.registry.models import Equipment, Member, Modality, Platform


class Part(models.TextChoices):
    MORNING = "morning", _("matin")
    AFTERNOON = "afternoon", _("après-midi")
    EVENING = "evening", _("soirée")
    NIGHT = "night", _("nuit")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("lundi")
    TUESDAY = 1, _("mardi")
    WEDNESDAY = 2, _("mercredi")
    THURSDAY = 3, _("jeudi")
    FRIDAY = 4, _("vendredi")
    SATURDAY = 5, _("samedi")
    SUNDAY = 6, _("dimanche")


class Purpose(models.TextChoices):
    GENERAL = "general", _("générale")
    EMERGENCY = "emergency", _("urgence")
    PAEDIATRIC = "paediatric", _("pédiatrie")
    DISABILITY = "disability", _("handicap")
    NEURO = "neuro", _("neuroradiologie")
    SCREENING = "screening", _("dépistage")


SPECIALISED = [p for p in Purpose if p not in (Purpose.GENERAL, Purpose.EMERGENCY)]


def _setup_url(key: str, pk: int) -> str:
    """Setup rows are shown and edited by the registry's generic screens (`planning.screens`)."""
    return reverse(f"registry:{key}_detail", args=[pk])


def _week_intervals(weekday: int, start, end) -> list[tuple[int, int]]:
    """A session as minute intervals of the week (0 = Monday 00:00), split when it wraps."""
    week = 7 * 24 * 60
    a = weekday * 1440 + start.hour * 60 + start.minute
    b = weekday * 1440 + end.hour * 60 + end.minute
    if b <= a:
        b += 1440
    return [(a, min(b, week))] + ([(0, b - week)] if b > week else [])


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


class VacationPlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("brouillon")
        SOLVING = "solving", _("calcul en cours")
        READY = "ready", _("prêt")
        PUBLISHED = "published", _("publié")
        FAILED = "failed", _("échec")
        SUPERSEDED = "superseded", _("remplacé")

    class Method(models.TextChoices):
        CPSAT = "cpsat", _("optimisation (CP-SAT)")
        GREEDY = "greedy", _("glouton (rapide)")

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="vacation_plans")
    name = models.CharField(_("nom"), max_length=200)
    start = models.DateField(_("début"))
    end = models.DateField(_("fin (exclue)"))
    pooled = models.BooleanField(
        _("parts mutualisées par modalité"),
        default=False,
        help_text=_("Sinon, la part de chaque membre s'applique à chaque appareil."),
    )
    method = models.CharField(
        _("méthode"), max_length=10, choices=Method.choices, default=Method.CPSAT
    )
    time_limit_s = models.PositiveSmallIntegerField(_("temps de calcul maximal (s)"), default=10)
    status = models.CharField(
        _("état"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    problems = models.JSONField(_("problèmes"), default=list, blank=True)
    solver_status = models.CharField(_("statut du solveur"), max_length=40, blank=True)
    solve_seconds = models.FloatField(_("durée du calcul (s)"), null=True, blank=True)
    max_deviation_hours = models.FloatField(_("écart maximal (h)"), null=True, blank=True)
    max_deviation_vacations = models.FloatField(
        _("écart maximal (vacations)"), null=True, blank=True
    )
    carried_from = models.ForeignKey(
        "self",
        verbose_name=_("report depuis"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan de vacations")
        verbose_name_plural = _("plans de vacations")
        ordering = ["-start", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="plan_ends_after_start",
                violation_error_message=_("La fin de la période doit suivre son début."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("planning:plan_detail", args=[self.pk])

    @property
    def audit_member_id(self) -> None:
        return None

    @property
    def errors(self) -> list[dict]:
        return [p for p in self.problems if p.get("severity", "error") == "error"]

    @property
    def warnings(self) -> list[dict]:
        return [p for p in self.problems if p.get("severity") == "warning"]


class Vacation(models.Model):
    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("attribuée")
        CLOSED = "closed", _("fermée")
        UNSTAFFED = "unstaffed", _("sans MERM")
        UNASSIGNED = "unassigned", _("non attribuée")

    plan = models.ForeignKey(VacationPlan, on_delete=models.CASCADE, related_name="vacations")
    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="vacations")
    day = models.DateField(_("jour"))
    part = models.CharField(_("demi-journée"), max_length=10, choices=Part.choices)
    start = models.DateTimeField(_("début"))
    end = models.DateTimeField(_("fin"))
    bad_hours = models.BooleanField(_("horaire contraignant"), default=False)
    status = models.CharField(_("état"), max_length=12, choices=Status.choices)
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="vacations"
    )
    reason = models.CharField(_("motif"), max_length=255, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vacation")
        verbose_name_plural = _("vacations")
        ordering = ["start", "equipment"]
        indexes = [models.Index(fields=["plan", "equipment", "start"])]

    def __str__(self) -> str:
        return f"{self.equipment} {self.day:%d/%m/%Y} {self.get_part_display()}"

    @property
    def audit_member_id(self) -> int | None:
        return self.member_id


class ShareDeviation(models.Model):
    """One member's deviation from its share in one scope, for a month or the whole period.

    deviation = assigned - target (+ carried in, period rows only); positive = received too much.
    """

    plan = models.ForeignKey(VacationPlan, on_delete=models.CASCADE, related_name="deviations")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="share_deviations")
    scope = models.CharField(_("périmètre"), max_length=100)
    scope_label = models.CharField(_("libellé du périmètre"), max_length=200, blank=True)
    month = models.CharField(_("mois"), max_length=7, blank=True, help_text=_("Vide : la période."))
    share_percent = models.FloatField(_("part (%)"))
    total_hours = models.FloatField(_("heures opérées"))
    target_hours = models.FloatField(_("heures dues"))
    assigned_hours = models.FloatField(_("heures attribuées"))
    carried_in_hours = models.FloatField(_("report entrant (h)"), default=0)
    deviation_hours = models.FloatField(_("écart (h)"))
    deviation_percent = models.FloatField(_("écart (points)"))
    deviation_vacations = models.FloatField(_("écart (vacations)"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("écart à la clé")
        verbose_name_plural = _("écarts aux clés")
        ordering = ["scope", "member", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "member", "scope", "month"], name="one_deviation_per_line"
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.member} {self.scope} {self.month or 'période'} : {self.deviation_hours:+.1f} h"
        )

    @property
    def audit_member_id(self) -> int:
        return self.member_id


class Slot(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("ouverte")
        CLOSED = "closed", _("fermée")

    plan = models.ForeignKey(VacationPlan, on_delete=models.CASCADE, related_name="slots")
    vacation = models.ForeignKey(
        Vacation, null=True, blank=True, on_delete=models.CASCADE, related_name="slots"
    )
    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="slots")
    start = models.DateTimeField(_("début"))
    end = models.DateTimeField(_("fin"))
    purpose = models.CharField(
        _("finalité"), max_length=12, choices=Purpose.choices, default=Purpose.GENERAL
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("membre (vacation)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="slots",
    )
    release_at = models.DateTimeField(_("libérée à partir de"), null=True, blank=True)
    pdses = models.BooleanField(_("horaires de PDSES"), default=False)
    status = models.CharField(_("état"), max_length=8, choices=Status.choices, default=Status.OPEN)
    closed_reason = models.CharField(_("motif de fermeture"), max_length=255, blank=True)
    # The booking holding this slot: one FK per slot, so a slot can never hold two bookings;
    # taken with a conditional UPDATE (booking IS NULL) whose row count is checked.
    booking = models.ForeignKey(
        "Booking", null=True, blank=True, on_delete=models.SET_NULL, related_name="slots"
    )
    history = HistoricalRecords(excluded_fields=["booking"])

    class Meta:
        verbose_name = _("plage")
        verbose_name_plural = _("plages")
        ordering = ["start", "equipment"]
        indexes = [models.Index(fields=["start", "equipment"], name="slot_start_idx")]
        constraints = [
            models.UniqueConstraint(fields=["equipment", "start"], name="one_slot_per_device_time"),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="slot_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.equipment} {self.start:%d/%m/%Y %H:%M}"

    @property
    def audit_member_id(self) -> int | None:
        return self.member_id

    @property
    def reserved(self) -> bool:
        return self.purpose != Purpose.GENERAL


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
    exam_type = models.ForeignKey(ExamType, on_delete=models.PROTECT, related_name="bookings")
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
    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="bookings")
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
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
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
        return f"{self.order_reference} — {self.exam_type.code} {self.start:%d/%m/%Y %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("planning:booking_detail", args=[self.pk])

    @property
    def audit_member_id(self) -> int:
        return self.member_id

    @property
    def active(self) -> bool:
        return self.status == self.Status.BOOKED
