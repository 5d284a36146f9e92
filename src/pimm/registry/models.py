"""The registry: who takes part in the PIMM, where, with which equipment and under which convention.

Field-level checks (identifiers, date order) live in `validators.py` and `clean()`; rules that span
several rows (keys summing to 100 %, convention periods not overlapping) live in `services.py`.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pimm.fields import ChoiceListField
from pimm.registry.import_models import ImportJob as ImportJob  # re-exported: see that module
from pimm.registry.periods import check_date, check_period
from pimm.registry.validators import (
    validate_departement,
    validate_finess,
    validate_rpps,
    validate_siren,
)

AUTHORIZATION_YEARS = 7  # art. L6122-15 CSP: authorisation for seven years, renewable


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class Platform(models.Model):
    class LegalForm(models.TextChoices):
        GCS_MOYENS = "gcs_moyens", _("GCS de moyens")
        GCS_ES = "gcs_es", _("GCS érigé en établissement de santé")
        GCS_AMENDED = "gcs_amended", _("GCS existant (avenant)")
        GIE = "gie", _("GIE")
        OTHER = "other", _("Autre personne morale")

    name = models.CharField(_("nom"), max_length=200)
    legal_form = models.CharField(_("structure porteuse"), max_length=20, choices=LegalForm.choices)
    carrier_name = models.CharField(_("nom de la structure porteuse"), max_length=200, blank=True)
    siren = models.CharField(
        _("SIREN de la structure porteuse"), max_length=9, validators=[validate_siren]
    )
    region = models.CharField(_("région"), max_length=100, default="Auvergne-Rhône-Alpes")
    ars_decision = models.CharField(_("décision ARS"), max_length=100, blank=True)
    authorized_on = models.DateField(_("date d'autorisation"))
    renewal_notice_months = models.PositiveSmallIntegerField(
        _("préavis de renouvellement (mois)"),
        default=12,
        help_text=_("Délai avant l'échéance pour déposer la demande de renouvellement."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plateau mutualisé")
        verbose_name_plural = _("plateaux mutualisés")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:platform_detail", args=[self.pk])

    @property
    def audit_member_id(self) -> None:
        return None

    @property
    def expires_on(self) -> dt.date:
        return add_years(self.authorized_on, AUTHORIZATION_YEARS)

    @property
    def renewal_due_on(self) -> dt.date:
        months = self.renewal_notice_months
        year, month = divmod(self.expires_on.month - 1 - months, 12)
        day = min(self.expires_on.day, 28)
        return dt.date(self.expires_on.year + year, month + 1, day)

    def annual_report_due_dates(self) -> list[dt.date]:
        """One progress report each anniversary; the last one is the final report."""
        return [add_years(self.authorized_on, y) for y in range(1, AUTHORIZATION_YEARS + 1)]


class Member(models.Model):
    class Kind(models.TextChoices):
        PUBLIC_HOSPITAL = "public_hospital", _("Établissement public de santé")
        PRIVATE_HOSPITAL = "private_hospital", _("Établissement de santé privé")
        PRIVATE_GROUP = "private_group", _("Groupe de radiologie libéral (SEL/SCM)")
        ARMY_HOSPITAL = "army_hospital", _("Hôpital des armées")
        OTHER = "other", _("Autre")

    platform = models.ForeignKey(
        Platform,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("plateau mutualisé"),
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("raison sociale"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    finess = models.CharField(
        _("FINESS juridique"), max_length=9, blank=True, validators=[validate_finess]
    )
    siren = models.CharField(_("SIREN"), max_length=9, validators=[validate_siren])
    is_ght_lead = models.BooleanField(_("établissement support de GHT"), default=False)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    joined_on = models.DateField(_("date d'adhésion"), null=True, blank=True)
    left_on = models.DateField(_("date de retrait"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "code"], name="member_code_unique"),
            models.UniqueConstraint(fields=["platform", "siren"], name="member_siren_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:member_detail", args=[self.pk])

    @property
    def audit_member_id(self) -> int:
        return self.pk

    def clean(self) -> None:
        hospital = self.kind in {
            self.Kind.PUBLIC_HOSPITAL,
            self.Kind.PRIVATE_HOSPITAL,
            self.Kind.ARMY_HOSPITAL,
        }
        if hospital and not self.finess:
            raise ValidationError({"finess": _("Un établissement de santé a un numéro FINESS.")})
        if self.joined_on and self.left_on and self.left_on < self.joined_on:
            raise ValidationError({"left_on": _("La date de retrait précède la date d'adhésion.")})


class Site(models.Model):
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="sites", verbose_name=_("membre")
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("nom"), max_length=200)
    finess = models.CharField(
        _("FINESS géographique"), max_length=9, blank=True, validators=[validate_finess]
    )
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    town = models.CharField(_("commune"), max_length=100)
    departement = models.CharField(
        _("département"), max_length=3, validators=[validate_departement]
    )
    latitude = models.FloatField(
        _("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["member", "code"], name="site_code_unique")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:site_detail", args=[self.pk])

    @property
    def audit_member_id(self) -> int:
        return self.member_id


class Modality(models.TextChoices):
    CT = "CT", _("Scanner (TDM)")
    MRI = "MRI", _("IRM")
    PET_CT = "PET_CT", _("TEP-TDM")
    GAMMA = "GAMMA", _("Gamma-caméra")
    INTERV = "INTERV", _("Salle de radiologie interventionnelle")


class Equipment(models.Model):
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="equipment", verbose_name=_("site")
    )
    holder = models.ForeignKey(
        Member,
        verbose_name=_("titulaire de l'autorisation"),
        on_delete=models.PROTECT,
        related_name="held_equipment",
    )
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    modality = models.CharField(_("modalité"), max_length=10, choices=Modality.choices)
    manufacturer = models.CharField(_("fabricant"), max_length=100, blank=True)
    model_name = models.CharField(_("modèle"), max_length=100, blank=True)
    installed_on = models.DateField(_("date d'installation"), null=True, blank=True)
    active = models.BooleanField(_("en service"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("équipement")
        verbose_name_plural = _("équipements")
        ordering = ["site__name", "modality", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:equipment_detail", args=[self.pk])

    @property
    def audit_member_id(self) -> int:
        return self.holder_id


class Authorization(models.Model):
    """The ARS decision allowing one device (équipement matériel lourd) or activity.

    Its legal state on a day decides what may happen on the device (L6122-13, requirement R28):
    in force between ``starts_on`` and ``ends_on`` (excluded) unless the ARS suspended or
    withdrew it, from the date of that decision (kept with its reference)."""

    class Status(models.TextChoices):
        GRANTED = "granted", _("accordée")
        SUSPENDED = "suspended", _("suspendue")
        WITHDRAWN = "withdrawn", _("retirée")

    class State(models.TextChoices):  # on a given day, derived (never stored)
        IN_FORCE = "in_force", _("en vigueur")
        NOT_STARTED = "not_started", _("pas encore en vigueur")
        EXPIRED = "expired", _("expirée")
        SUSPENDED = "suspended", _("suspendue")
        WITHDRAWN = "withdrawn", _("retirée")

    equipment = models.ForeignKey(
        Equipment,
        on_delete=models.CASCADE,
        related_name="authorizations",
        verbose_name=_("équipement"),
    )
    number = models.CharField(_("numéro de décision"), max_length=100)
    decided_on = models.DateField(_("date de décision"))
    starts_on = models.DateField(_("début de validité"))
    ends_on = models.DateField(_("fin de validité"))
    status = models.CharField(
        _("décision"), max_length=10, choices=Status.choices, default=Status.GRANTED
    )
    status_from = models.DateField(
        _("suspension ou retrait à compter du"),
        null=True,
        blank=True,
        help_text=_("Date d'effet de la décision de suspension ou de retrait."),
    )
    status_reference = models.CharField(
        _("référence de la décision de suspension ou de retrait"), max_length=100, blank=True
    )
    notes = models.TextField(_("remarques"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("autorisation")
        verbose_name_plural = _("autorisations")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                name="authorization_ends_after_start",
                violation_error_message=_("La fin de validité doit suivre le début."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} — {self.equipment}"

    def get_absolute_url(self) -> str:
        return reverse("registry:authorization_detail", args=[self.pk])

    @property
    def audit_member_id(self) -> int:
        return self.equipment.holder_id

    def clean(self) -> None:
        check_date(self.decided_on, "decided_on")
        check_period(self.starts_on, self.ends_on, start_field="starts_on", end_field="ends_on")
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            raise ValidationError(
                {"ends_on": _("L'autorisation ne peut pas finir avant d'avoir commencé.")}
            )
        if self.status != self.Status.GRANTED:
            errors = {}
            if not self.status_from:
                errors["status_from"] = _("Indiquez la date d'effet de la décision.")
            if not self.status_reference.strip():
                errors["status_reference"] = _("Indiquez la référence de la décision.")
            if errors:
                raise ValidationError(errors)
            check_date(self.status_from, "status_from")

    def state_on(self, day: dt.date) -> str:
        """The legal state on ``day`` (an ``Authorization.State`` value)."""
        if self.status != self.Status.GRANTED and self.status_from and day >= self.status_from:
            return (
                self.State.SUSPENDED
                if self.status == self.Status.SUSPENDED
                else (self.State.WITHDRAWN)
            )
        if day < self.starts_on:
            return self.State.NOT_STARTED
        if day >= self.ends_on:
            return self.State.EXPIRED
        return self.State.IN_FORCE

    @property
    def state_today(self) -> str:
        return str(self.State(self.state_on(timezone.localdate())).label)

    def in_force_until(self) -> dt.date:
        """The first day it no longer allows anything (end of validity, or the suspension)."""
        if self.status != self.Status.GRANTED and self.status_from:
            return min(self.ends_on, self.status_from)
        return self.ends_on


class Competence(models.TextChoices):
    GENERAL = "general", _("Radiologie générale")
    NEURO = "neuro", _("Neuroradiologie")
    PAEDIATRIC = "paediatric", _("Pédiatrie")
    BREAST = "breast", _("Sénologie")
    INTERVENTIONAL = "interventional", _("Radiologie interventionnelle")
    CARDIAC = "cardiac", _("Imagerie cardiaque")
    MSK = "msk", _("Ostéo-articulaire")
    ONCOLOGY = "oncology", _("Oncologie")
    NUCLEAR = "nuclear", _("Médecine nucléaire")


def validate_competences(value: list) -> None:
    allowed = set(Competence.values)
    bad = [v for v in value or [] if v not in allowed]
    if bad:
        raise ValidationError(_("Compétence inconnue : %(bad)s"), params={"bad": ", ".join(bad)})


def validate_modalities(value: list) -> None:
    allowed = set(Modality.values)
    bad = [v for v in value or [] if v not in allowed]
    if bad:
        raise ValidationError(_("Modalité inconnue : %(bad)s"), params={"bad": ", ".join(bad)})


class Practitioner(models.Model):
    class Status(models.TextChoices):
        PUBLIC = "public", _("Praticien hospitalier (public)")
        PRIVATE = "private", _("Libéral")

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="practitioners", verbose_name=_("membre")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="practitioner",
        verbose_name=_("compte"),
    )
    rpps = models.CharField(_("RPPS"), max_length=11, unique=True, validators=[validate_rpps])
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices)
    competences = ChoiceListField(
        _("compétences"),
        default=list,
        blank=True,
        validators=[validate_competences],
        item_choices=Competence.choices,
    )
    working_time = models.DecimalField(
        _("quotité de travail"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.10")), MaxValueValidator(Decimal("1.00"))],
        help_text=_("1,00 = temps plein ; 0,50 = mi-temps."),
    )
    sites = models.ManyToManyField(
        Site, verbose_name=_("sites (privilèges)"), related_name="practitioners", blank=True
    )
    email = models.EmailField(_("courriel"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    active = models.BooleanField(_("actif"), default=True)
    history = HistoricalRecords(m2m_fields=[sites])

    class Meta:
        verbose_name = _("radiologue")
        verbose_name_plural = _("radiologues")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"Dr {self.first_name} {self.last_name}"

    def get_absolute_url(self) -> str:
        return reverse("registry:practitioner_detail", args=[self.pk])

    @property
    def audit_member_id(self) -> int:
        return self.member_id

    def competence_labels(self) -> list[str]:
        return self._meta.get_field("competences").labels(self.competences)


class Technologist(models.Model):
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="technologists", verbose_name=_("membre")
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        related_name="technologists",
        null=True,
        blank=True,
        verbose_name=_("site"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="technologist",
        verbose_name=_("compte"),
    )
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    rpps = models.CharField(
        _("RPPS"), max_length=11, blank=True, validators=[validate_rpps], help_text=_("Facultatif.")
    )
    modalities = ChoiceListField(
        _("modalités"),
        default=list,
        blank=True,
        validators=[validate_modalities],
        item_choices=Modality.choices,
    )
    working_time = models.DecimalField(
        _("quotité de travail"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.10")), MaxValueValidator(Decimal("1.00"))],
    )
    active = models.BooleanField(_("actif"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("manipulateur (MERM)")
        verbose_name_plural = _("manipulateurs (MERM)")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def get_absolute_url(self) -> str:
        return reverse("registry:technologist_detail", args=[self.pk])

    @property
    def audit_member_id(self) -> int:
        return self.member_id


class Convention(models.Model):
    """One version of the convention constitutive, in force over [effective_from, effective_to]."""

    platform = models.ForeignKey(
        Platform,
        on_delete=models.PROTECT,
        related_name="conventions",
        verbose_name=_("plateau mutualisé"),
    )
    title = models.CharField(_("intitulé"), max_length=200)
    version = models.CharField(_("version"), max_length=30)
    signed_on = models.DateField(_("date de signature"), null=True, blank=True)
    effective_from = models.DateField(_("en vigueur à partir du"))
    effective_to = models.DateField(
        _("en vigueur jusqu'au"), null=True, blank=True, help_text=_("Vide : sans fin prévue.")
    )
    notes = models.TextField(_("remarques"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("convention")
        verbose_name_plural = _("conventions")
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gte=models.F("effective_from")),
                name="convention_period_ordered",
                violation_error_message=_("La fin de la période précède son début."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    def get_absolute_url(self) -> str:
        return reverse("registry:convention_detail", args=[self.pk])

    @property
    def audit_member_id(self) -> None:
        return None

    def clean(self) -> None:
        check_date(self.signed_on, "signed_on")
        check_period(
            self.effective_from,
            self.effective_to,
            start_field="effective_from",
            end_field="effective_to",
        )

    @property
    def is_signed(self) -> bool:
        """A signed version is never edited in place: a change is an amendment (avenant)."""
        return self.signed_on is not None

    def overlaps(self, start: dt.date, end: dt.date | None) -> bool:
        far = dt.date.max
        return self.effective_from <= (end or far) and start <= (self.effective_to or far)


class SharingKey(models.Model):
    """A member's share, in percent, of equipment time, revenue and costs under one convention."""

    convention = models.ForeignKey(
        Convention,
        on_delete=models.CASCADE,
        related_name="sharing_keys",
        verbose_name=_("convention"),
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="sharing_keys", verbose_name=_("membre")
    )
    time_share = models.DecimalField(
        _("part du temps machine (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    revenue_share = models.DecimalField(
        _("part des recettes (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    cost_share = models.DecimalField(
        _("part des charges (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("clé de répartition")
        verbose_name_plural = _("clés de répartition")
        ordering = ["member__name"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "member"], name="one_key_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.member} : {self.time_share} % / {self.revenue_share} % / {self.cost_share} %"

    @property
    def audit_member_id(self) -> int:
        return self.member_id
