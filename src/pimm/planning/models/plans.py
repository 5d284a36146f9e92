"""Vacation plans and what solving one writes: vacations, share deviations, slots."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pimm.accounts.engine_text import translate
from pimm.accounts.lifecycle import Lifecycle
from pimm.engine.i18n import gettext_noop
from pimm.registry.models import Equipment, Member, Platform

from ._base import Part, Purpose

# The vacation engine's status codes in a coordinator's words (the plan page shows these, the
# audit trail keeps them as messages, read in each reader's language)
SOLVER_WORDS = {
    "OPTIMAL": gettext_noop("plan optimal trouvé"),
    "FEASIBLE": gettext_noop("meilleur plan trouvé dans le temps de calcul"),
    "GREEDY": gettext_noop("plan établi par la méthode rapide"),
    "INFEASIBLE": gettext_noop("aucun plan ne respecte toutes les règles"),
    "UNKNOWN": gettext_noop("aucun plan trouvé dans le temps de calcul"),
    "INVALID_INPUT": gettext_noop("données à compléter avant le calcul"),
    "MODEL_INVALID": gettext_noop("erreur interne du calcul"),
}


class VacationPlan(models.Model):
    Status = Lifecycle  # one lifecycle with the rotas (pimm.accounts.lifecycle)

    class Method(models.TextChoices):
        CPSAT = "cpsat", _("optimisation (CP-SAT)")
        GREEDY = "greedy", _("glouton (rapide)")

    platform = models.ForeignKey(
        Platform,
        on_delete=models.PROTECT,
        related_name="vacation_plans",
        verbose_name=_("plateau mutualisé"),
    )
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
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("créé par"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
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
    def solver_words(self) -> str:
        return translate(SOLVER_WORDS.get(self.solver_status, self.solver_status))

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

    plan = models.ForeignKey(
        VacationPlan,
        on_delete=models.CASCADE,
        related_name="vacations",
        verbose_name=_("plan de vacations"),
    )
    equipment = models.ForeignKey(
        Equipment, on_delete=models.PROTECT, related_name="vacations", verbose_name=_("équipement")
    )
    day = models.DateField(_("jour"))
    part = models.CharField(_("demi-journée"), max_length=10, choices=Part.choices)
    start = models.DateTimeField(_("début"))
    end = models.DateTimeField(_("fin"))
    bad_hours = models.BooleanField(_("horaire contraignant"), default=False)
    status = models.CharField(_("état"), max_length=12, choices=Status.choices)
    member = models.ForeignKey(
        Member,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="vacations",
        verbose_name=_("membre"),
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

    plan = models.ForeignKey(
        VacationPlan,
        on_delete=models.CASCADE,
        related_name="deviations",
        verbose_name=_("plan de vacations"),
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="share_deviations", verbose_name=_("membre")
    )
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

    plan = models.ForeignKey(
        VacationPlan,
        on_delete=models.CASCADE,
        related_name="slots",
        verbose_name=_("plan de vacations"),
    )
    vacation = models.ForeignKey(
        Vacation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="slots",
        verbose_name=_("vacation"),
    )
    equipment = models.ForeignKey(
        Equipment, on_delete=models.PROTECT, related_name="slots", verbose_name=_("équipement")
    )
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
        "Booking",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="slots",
        verbose_name=_("rendez-vous"),
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
