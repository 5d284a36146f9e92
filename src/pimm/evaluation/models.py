"""Commitments and their evidence, the free-text sections of a report, generated reports and the
dossier's annexes. Indicators are not stored: they are computed from the rooms below
(`pimm.evaluation.indicators`)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pimm.accounts.lifecycle import Lifecycle
from pimm.registry.models import Member, Platform


class Kind(models.TextChoices):
    SOCLE = "socle", _("Engagement socle (obligatoire)")
    OPTIONAL = "optional", _("Engagement optionnel")


class Topic(models.TextChoices):
    """The ARS list of commitments (cahier des charges ARS ARA, §5, 2 a et b)."""

    PRESENCE = "presence", _("Présence physique de radiologues dans les établissements")
    EMERGENCY_SLOTS = "emergency_slots", _("Plages d'imagerie d'urgence, y compris en PDSES")
    RCP = "rcp", _("Participation aux filières de soins et aux RCP")
    APPROPRIATENESS = "appropriateness", _("Pertinence des actes")
    RISK = "risk", _("Gestion des risques et radioprotection")
    PDSES = "pdses", _("PDSES mutualisée et répartition équitable de la charge")
    SPECIALISED = "specialised", _("Plages de prestations spécialisées")
    TELEIMAGING = "teleimaging", _("Télé-imagerie interne au PIMM")
    MEETINGS = "meetings", _("Réunions d'animation de service et formation")
    INNOVATION = "innovation", _("Solutions innovantes (IA, protocoles de coopération)")
    TRAINING = "training", _("Actions de formation et de recherche")
    POLE_COORDINATOR = "pole_coordinator", _("Coordinateur de pôle et ses missions")


SOCLE_TOPICS = frozenset(
    {
        Topic.PRESENCE,
        Topic.EMERGENCY_SLOTS,
        Topic.RCP,
        Topic.APPROPRIATENESS,
        Topic.RISK,
        Topic.PDSES,
    }
)


def kind_of(topic: str) -> str:
    return Kind.SOCLE if topic in SOCLE_TOPICS else Kind.OPTIONAL


class Commitment(models.Model):
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="+")
    topic = models.CharField(_("engagement ARS"), max_length=20, choices=Topic.choices)
    kind = models.CharField(_("nature"), max_length=10, choices=Kind.choices, editable=False)
    title = models.CharField(_("intitulé"), max_length=200)
    target = models.CharField(_("cible"), max_length=200)
    target_value = models.DecimalField(
        _("valeur cible"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "Comparée à l'indicateur principal, ou à la somme des preuves sans indicateur."
        ),
    )
    higher_is_better = models.BooleanField(_("plus haut est mieux"), default=True)
    period_start = models.DateField(_("début de la période"))
    period_end = models.DateField(_("fin de la période"))
    owner = models.ForeignKey(
        Member,
        verbose_name=_("membre porteur"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Vide : la coordination du PIMM."),
    )
    indicators = models.JSONField(
        _("indicateurs"),
        default=list,
        blank=True,
        help_text=_("Le premier est l'indicateur principal."),
    )
    notes = models.TextField(_("remarques"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        ordering = ["kind", "topic", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="commitment_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.kind = kind_of(self.topic)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("evaluation:commitment_detail", args=[self.pk])

    @property
    def audit_member_id(self) -> int | None:
        return self.owner_id

    def clean(self) -> None:
        self.kind = kind_of(self.topic)
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError(
                {"period_end": _("La fin de la période précède son début.")}, code="period"
            )


def evidence_path(instance, filename: str) -> str:
    return f"evaluation/preuves/{instance.commitment_id}/{filename}"


class Evidence(models.Model):
    """What pimm cannot measure itself: an RCP attended, a training held (date, count, file)."""

    commitment = models.ForeignKey(
        Commitment, verbose_name=_("engagement"), on_delete=models.PROTECT, related_name="evidence"
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("membre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    date = models.DateField(_("date"))
    count = models.IntegerField(
        _("nombre"),
        validators=[MinValueValidator(0, message=_("Le nombre ne peut pas être négatif."))],
    )
    hours = models.DecimalField(
        _("heures"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0, message=_("Les heures ne peuvent pas être négatives."))],
    )
    description = models.CharField(_("description"), max_length=300)
    attachment = models.FileField(_("pièce jointe"), upload_to=evidence_path, max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("saisie le"), auto_now_add=True)
    # file fields are not historised (the audit stores JSON): the row and its author are
    history = HistoricalRecords(excluded_fields=["attachment"])

    class Meta:
        verbose_name = _("preuve")
        verbose_name_plural = _("preuves")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(count__gte=0), name="evidence_count_positive")
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} — {self.description}"

    @property
    def audit_member_id(self) -> int | None:
        return self.member_id


class ReportKind(models.TextChoices):
    ANNUAL = "annual", _("Rapport d'étape annuel")
    FINAL = "final", _("Rapport final")
    DOSSIER = "dossier", _("Dossier de demande d'autorisation")


class ReportDraft(models.Model):
    """What the coordinator prepares before generating: the period and the free-text sections."""

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("document"), max_length=10, choices=ReportKind.choices)
    year = models.PositiveSmallIntegerField(
        _("année d'autorisation"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("De 1 à 7 pour un rapport d'étape ; vide pour le rapport final et le dossier."),
    )
    title = models.CharField(_("titre"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rapport en préparation")
        verbose_name_plural = _("rapports en préparation")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("evaluation:draft_detail", args=[self.pk])

    def clean(self) -> None:
        if self.kind == ReportKind.ANNUAL and not (self.year and 1 <= self.year <= 7):
            raise ValidationError(
                {"year": _("Un rapport d'étape porte sur une année d'autorisation, de 1 à 7.")},
                code="year",
            )


class ReportSection(models.Model):
    draft = models.ForeignKey(ReportDraft, on_delete=models.CASCADE, related_name="sections")
    key = models.CharField(_("clé"), max_length=40)
    title = models.CharField(_("titre"), max_length=200)
    text = models.TextField(_("texte"), blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("section rédigée")
        verbose_name_plural = _("sections rédigées")
        ordering = ["draft", "position"]
        constraints = [models.UniqueConstraint(fields=["draft", "key"], name="one_section_per_key")]

    def __str__(self) -> str:
        return self.title


def report_path(instance, filename: str) -> str:
    return f"evaluation/rapports/{instance.draft_id}/{filename}"


class Report(models.Model):
    """One generation of a draft: a PDF and an editable ODT, computed in a background task
    (lifecycle: draft = queued, solving = being generated, ready | failed, published = sent)."""

    draft = models.ForeignKey(ReportDraft, on_delete=models.PROTECT, related_name="reports")
    status = models.CharField(
        _("état"), max_length=12, choices=Lifecycle.choices, default=Lifecycle.DRAFT
    )
    period_start = models.DateField(_("début de la période"))
    period_end = models.DateField(_("fin de la période (exclue)"))
    provisional = models.BooleanField(_("provisoire"), default=False)
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    step = models.CharField(_("étape"), max_length=200, blank=True)
    message = models.TextField(_("message"), blank=True)
    pdf = models.FileField(_("PDF"), upload_to=report_path, blank=True, max_length=300)
    odt = models.FileField(_("ODT"), upload_to=report_path, blank=True, max_length=300)
    seconds = models.FloatField(_("durée (s)"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["progress", "step", "pdf", "odt"])

    class Meta:
        verbose_name = _("rapport généré")
        verbose_name_plural = _("rapports générés")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return (
            f"{self.draft} ({self.created_at:%d/%m/%Y %H:%M})"
            if self.created_at
            else str(self.draft)
        )

    def get_absolute_url(self) -> str:
        return reverse("evaluation:report_detail", args=[self.pk])

    @property
    def running(self) -> bool:
        return self.status in (Lifecycle.DRAFT, Lifecycle.SOLVING)


class AnnexKind(models.TextChoices):
    """The annexes the specification asks for (§3, §4, §7)."""

    CONVENTION = "convention", _("Convention constitutive (ou projet) de la structure porteuse")
    AMENDMENT = "amendment", _("Projet d'avenant à la convention relatif au PIMM")
    DELIBERATION = "deliberation", _("Extrait des décisions des instances, signé")
    MEDICAL_PROJECT = "medical_project", _("Synthèse du projet médical d'imagerie")
    TEAM_PROJECT = "team_project", _("Présentation de l'équipe médicale et de son projet")
    RESPONSE_FORM = "response_form", _("Dossier type de réponse")


# annexes asked of each member (the others once for the platform)
PER_MEMBER_ANNEXES = frozenset(
    {AnnexKind.DELIBERATION, AnnexKind.MEDICAL_PROJECT, AnnexKind.TEAM_PROJECT}
)


def annex_path(instance, filename: str) -> str:
    return f"evaluation/annexes/{instance.kind}/{filename}"


class Annex(models.Model):
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("pièce"), max_length=20, choices=AnnexKind.choices)
    member = models.ForeignKey(
        Member,
        verbose_name=_("membre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    attachment = models.FileField(_("fichier"), upload_to=annex_path, max_length=300)
    signed_on = models.DateField(_("signé le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # file fields are not historised (the audit stores JSON): the row and its author are
    history = HistoricalRecords(excluded_fields=["attachment"])

    class Meta:
        verbose_name = _("pièce annexe")
        verbose_name_plural = _("pièces annexes")
        ordering = ["kind", "member", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.member or ''}".rstrip(" —")

    @property
    def audit_member_id(self) -> int | None:
        return self.member_id

    def clean(self) -> None:
        if self.kind in PER_MEMBER_ANNEXES and self.member_id is None:
            raise ValidationError(
                {"member": _("Cette pièce est demandée à chaque membre : choisissez le membre.")},
                code="member",
            )
