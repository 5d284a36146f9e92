"""On-call duty (PDSES): lines, rotas with their shifts and assignments, wishes, swaps, points.

The rota engine (``pimm.engine.rota``) knows nothing of these tables: ``adapter.py`` turns them
into a ``RotaProblem`` and ``services.py`` stores the ``RotaResult`` back.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pimm.accounts.lifecycle import Lifecycle
from pimm.engine.rota import model as em
from pimm.engine.rota.points import shift_points
from pimm.fields import ChoiceListField
from pimm.registry.models import Competence, Platform, Practitioner, Site


class Category(models.TextChoices):
    WEEKNIGHT = em.WEEKNIGHT, _("Nuit de semaine")
    WEEKEND_DAY = em.WEEKEND_DAY, _("Jour de week-end")
    WEEKEND_NIGHT = em.WEEKEND_NIGHT, _("Nuit de week-end")
    HOLIDAY_DAY = em.HOLIDAY_DAY, _("Jour férié")
    HOLIDAY_NIGHT = em.HOLIDAY_NIGHT, _("Nuit de jour férié")


class OnCallLine(models.Model):
    class Kind(models.TextChoices):
        GARDE = em.GARDE, _("Garde (sur place)")
        ASTREINTE = em.ASTREINTE, _("Astreinte (à domicile)")

    platform = models.ForeignKey(
        Platform,
        on_delete=models.PROTECT,
        related_name="oncall_lines",
        verbose_name=_("plateau mutualisé"),
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("intitulé"), max_length=200)
    sites = models.ManyToManyField(Site, verbose_name=_("sites couverts"), related_name="+")
    categories = ChoiceListField(
        _("horaires couverts"), default=list, item_choices=Category.choices
    )
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices, default=Kind.GARDE)
    remote_allowed = models.BooleanField(_("lecture à distance autorisée"), default=False)
    competence = models.CharField(
        _("compétence requise"),
        max_length=20,
        blank=True,
        choices=Competence.choices,
        help_text=_("Vide ou « générale » : tout radiologue."),
    )
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(m2m_fields=[sites])

    class Meta:
        verbose_name = _("ligne de garde")
        verbose_name_plural = _("lignes de garde")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "code"], name="oncall_line_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def audit_member_id(self) -> None:
        return None

    def category_labels(self) -> list[str]:
        return self._meta.get_field("categories").labels(self.categories)


class Rota(models.Model):
    Status = Lifecycle  # one lifecycle with the vacation plans (pimm.accounts.lifecycle)

    class QuotaSource(models.TextChoices):
        TIME_SHARE = "time_share", _("Clé de répartition de la convention (temps machine)")
        WORKING_TIME = "working_time", _("Temps de travail apporté par chaque membre")
        DECLARED = "declared", _("Quotas déclarés")
        NONE = "none", _("Aucun quota par membre")

    platform = models.ForeignKey(
        Platform,
        on_delete=models.PROTECT,
        related_name="rotas",
        verbose_name=_("plateau mutualisé"),
    )
    title = models.CharField(_("intitulé"), max_length=200, blank=True)
    start = models.DateField(_("du"))
    end = models.DateField(_("au"))
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    based_on = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="revisions",
        verbose_name=_("révision du tableau"),
    )
    quota_source = models.CharField(
        _("quotas par membre"),
        max_length=14,
        choices=QuotaSource.choices,
        default=QuotaSource.TIME_SHARE,
    )
    declared_quotas = models.JSONField(_("quotas déclarés (%)"), default=dict, blank=True)
    quota_tolerance = models.FloatField(_("tolérance des quotas (points de %)"), default=10.0)
    max_consecutive_duties = models.PositiveSmallIntegerField(
        _("gardes consécutives au plus"), default=3
    )
    max_nights_per_month = models.PositiveSmallIntegerField(_("nuits par mois au plus"), default=8)
    swaps_need_approval = models.BooleanField(
        _("échanges soumis à l'approbation du coordinateur"), default=False
    )
    explanation = models.JSONField(_("explication"), default=list, blank=True)
    objective = models.FloatField(_("objectif"), null=True, blank=True)
    bound = models.FloatField(_("borne"), null=True, blank=True)
    spread = models.FloatField(_("écart max − min"), null=True, blank=True)
    gini = models.FloatField(_("indice de Gini"), null=True, blank=True)
    changed_cells = models.IntegerField(_("gardes modifiées"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("créé par"),
    )
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("publié par"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tableau de garde")
        verbose_name_plural = _("tableaux de garde")
        ordering = ["-start", "-pk"]

    def __str__(self) -> str:
        label = self.title or _("Tableau de garde")
        return f"{label} du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y} (v{self.version})"

    @property
    def audit_member_id(self) -> None:
        return None


class RotaShift(models.Model):
    """One line on one PDSES period (the engine's ``Shift``; ``key`` is the engine's id)."""

    rota = models.ForeignKey(
        Rota, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("tableau de garde")
    )
    line = models.ForeignKey(
        OnCallLine, on_delete=models.PROTECT, related_name="+", verbose_name=_("ligne de garde")
    )
    key = models.CharField(_("clé"), max_length=80)
    date = models.DateField(_("date"))
    category = models.CharField(_("catégorie"), max_length=16, choices=Category.choices)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))

    class Meta:
        verbose_name = _("garde du tableau")
        verbose_name_plural = _("gardes du tableau")
        ordering = ["starts_at", "line__code"]
        constraints = [models.UniqueConstraint(fields=["rota", "key"], name="oncall_shift_key")]

    def __str__(self) -> str:
        return f"{self.line.code} {self.get_category_display()} {self.date:%d/%m/%Y}"


class RotaAssignment(models.Model):
    shift = models.OneToOneField(
        RotaShift, on_delete=models.CASCADE, related_name="assignment", verbose_name=_("garde")
    )
    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        related_name="oncall_assignments",
        verbose_name=_("radiologue"),
    )
    locked = models.BooleanField(_("verrouillée"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("affectation de garde")
        verbose_name_plural = _("affectations de garde")

    def __str__(self) -> str:
        return f"{self.shift} : {self.practitioner}"

    @property
    def audit_member_id(self) -> int:
        return self.practitioner.member_id


class Unavailability(models.Model):
    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.CASCADE,
        related_name="oncall_unavailabilities",
        verbose_name=_("radiologue"),
    )
    start = models.DateField(_("du"))
    end = models.DateField(_("au (inclus)"))
    reason = models.CharField(_("motif"), max_length=100, default="congés")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indisponibilité")
        verbose_name_plural = _("indisponibilités")
        ordering = ["start"]

    def __str__(self) -> str:
        return f"{self.practitioner} indisponible du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y}"

    @property
    def audit_member_id(self) -> int:
        return self.practitioner.member_id


class Preference(models.Model):
    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.CASCADE,
        related_name="oncall_preferences",
        verbose_name=_("radiologue"),
    )
    date = models.DateField(_("date"))
    weight = models.SmallIntegerField(
        _("souhait"),
        validators=[MinValueValidator(-3), MaxValueValidator(3)],
        help_text=_("De −3 (surtout pas de garde ce jour-là) à +3 (je souhaite être de garde)."),
    )
    note = models.CharField(_("remarque"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("souhait")
        verbose_name_plural = _("souhaits")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.practitioner} {self.date:%d/%m/%Y} ({self.weight:+d})"

    @property
    def audit_member_id(self) -> int:
        return self.practitioner.member_id


class SwapRequest(models.Model):
    class Kind(models.TextChoices):
        SWAP = "swap", _("Échange")
        GIVE_AWAY = "give_away", _("Cession")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposé")
        ACCEPTED = "accepted", _("Accepté, en attente d'approbation")
        APPROVED = "approved", _("Approuvé")
        REFUSED = "refused", _("Refusé")
        APPLIED = "applied", _("Appliqué")
        CANCELLED = "cancelled", _("Annulé")

    rota = models.ForeignKey(
        Rota, on_delete=models.CASCADE, related_name="swaps", verbose_name=_("tableau de garde")
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    shift = models.ForeignKey(
        RotaShift, on_delete=models.CASCADE, related_name="+", verbose_name=_("garde cédée")
    )
    other_shift = models.ForeignKey(
        RotaShift,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("garde reprise en échange"),
    )
    from_practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="+", verbose_name=_("demandeur")
    )
    to_practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="+", verbose_name=_("destinataire")
    )
    message = models.CharField(_("message"), max_length=300, blank=True)
    reason = models.TextField(_("motif du refus"), blank=True)
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("demandé par"),
    )
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("décidé par"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("échange de garde")
        verbose_name_plural = _("échanges de garde")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.shift} : {self.from_practitioner} → {self.to_practitioner}"

    @property
    def audit_member_id(self) -> int:
        return self.from_practitioner.member_id


class PointBalance(models.Model):
    """Points of one practitioner in one year against their working-time share, carried over."""

    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.CASCADE,
        related_name="oncall_balances",
        verbose_name=_("radiologue"),
    )
    year = models.PositiveSmallIntegerField(_("année"))
    carried_in = models.FloatField(_("report de l'année précédente"), default=0.0)
    earned = models.FloatField(_("points de l'année"), default=0.0)
    target = models.FloatField(_("part équitable"), default=0.0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("solde de points")
        verbose_name_plural = _("soldes de points")
        constraints = [
            models.UniqueConstraint(fields=["practitioner", "year"], name="oncall_balance_year")
        ]

    def __str__(self) -> str:
        return f"{self.practitioner} {self.year} : {self.balance:+.1f}"

    @property
    def balance(self) -> float:
        return self.carried_in + self.earned - self.target

    @property
    def audit_member_id(self) -> int:
        return self.practitioner.member_id


class RotaSolve(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("En file d'attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        STOPPED = "stopped", _("Arrêté")
        FAILED = "failed", _("Échec")

    rota = models.ForeignKey(
        Rota, on_delete=models.CASCADE, related_name="solves", verbose_name=_("tableau de garde")
    )
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    time_limit = models.FloatField(_("temps maximal (s)"), default=20.0)
    stop_requested = models.BooleanField(_("arrêt demandé"), default=False)
    objective = models.FloatField(_("objectif"), null=True, blank=True)
    bound = models.FloatField(_("borne"), null=True, blank=True)
    seconds = models.FloatField(_("durée (s)"), default=0.0)
    solutions = models.PositiveIntegerField(_("solutions trouvées"), default=0)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("lancé le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("lancé par"),
    )
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calcul du tableau")
        verbose_name_plural = _("calculs du tableau")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"Calcul {self.pk} du tableau {self.rota_id} ({self.status})"

    @property
    def audit_member_id(self) -> None:
        return None

    @property
    def running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def gap_percent(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        if self.objective == 0:
            return 0.0
        return 100.0 * abs(self.objective - self.bound) / abs(self.objective)


def new_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarToken(models.Model):
    """The secret in a practitioner's iCal feed URL; regenerating it revokes the old one."""

    practitioner = models.OneToOneField(
        Practitioner,
        on_delete=models.CASCADE,
        related_name="calendar_token",
        verbose_name=_("radiologue"),
    )
    token = models.CharField(_("jeton"), max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(_("créé le"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["token"])

    class Meta:
        verbose_name = _("lien d'agenda")
        verbose_name_plural = _("liens d'agenda")

    def __str__(self) -> str:
        return f"Agenda de {self.practitioner}"

    @property
    def audit_member_id(self) -> int:
        return self.practitioner.member_id


def _weight(label):
    return models.DecimalField(
        label,
        max_digits=3,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("10"))],
    )


class PointWeights(models.Model):
    """The platform's points per duty (one row per platform; the engine's defaults if none).

    Weights are counted in tenths of a point (the solver's unit). They apply to every published
    rota of the year when points are counted, so a change re-counts the year's balances.
    """

    platform = models.OneToOneField(
        Platform,
        on_delete=models.CASCADE,
        related_name="oncall_weights",
        verbose_name=_("plateau mutualisé"),
    )
    weeknight = _weight(_("nuit de semaine"))
    weekend_day = _weight(_("jour de week-end"))
    weekend_night = _weight(_("nuit de week-end"))
    holiday_day = _weight(_("jour férié"))
    holiday_night = _weight(_("nuit de jour férié"))
    astreinte_percent = models.PositiveSmallIntegerField(
        _("astreinte, en pourcentage d'une garde sur place"),
        default=100,
        validators=[MinValueValidator(10), MaxValueValidator(200)],
        help_text=_("100 : une astreinte compte autant qu'une garde ; 50 : moitié moins."),
    )
    updated_at = models.DateTimeField(_("mis à jour le"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pondération des gardes")
        verbose_name_plural = _("pondérations des gardes")

    def __str__(self) -> str:
        return f"Pondérations des gardes de {self.platform}"

    @property
    def audit_member_id(self) -> None:
        return None

    @classmethod
    def defaults(cls, platform: Platform) -> "PointWeights":
        """An unsaved row holding the engine's default points."""
        return cls(
            platform=platform,
            **{c: Decimal(str(v)) for c, v in em.DEFAULT_POINTS.items()},
        )

    def points(self) -> dict[str, float]:
        return {c: float(getattr(self, c)) for c in em.CATEGORIES}

    def kind_factors(self) -> dict[str, float]:
        return {em.ASTREINTE: self.astreinte_percent / 100.0}

    def engine_settings(self, **kwargs) -> em.RotaSettings:
        return em.RotaSettings(points=self.points(), kind_factors=self.kind_factors(), **kwargs)

    def of(self, category: str, kind: str = em.GARDE) -> float:
        """Points of one duty of this platform (the engine's rule, read from a cached copy)."""
        if getattr(self, "_settings", None) is None:
            self._settings = self.engine_settings()
        return shift_points(self._settings, category, kind)


class ReaderPresence(models.Model):
    """The presence plan: a radiologist present on a site (day work), or on duty outside the
    rota's lines (``on_duty``, e.g. the weekday emergency line). With the published rota, the
    duty room's answer to "who is available when" (``selectors.available_between``)."""

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="+", verbose_name=_("radiologue")
    )
    site = models.ForeignKey(
        Site,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("site"),
    )
    start = models.DateTimeField(_("début"))
    end = models.DateTimeField(_("fin"))
    on_duty = models.BooleanField(_("de garde / astreinte"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("présence")
        verbose_name_plural = _("présences")
        indexes = [models.Index(fields=["start", "end"], name="oncall_presence_start_end")]

    def __str__(self) -> str:
        return f"{self.practitioner} {self.start:%d/%m %H:%M}-{self.end:%H:%M}"

    @property
    def audit_member_id(self) -> int:
        return self.practitioner.member_id
