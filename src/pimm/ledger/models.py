"""The ledger's tables: tariffs (versioned by validity), the exam-type → act mapping, fee
policies and extra-fee attempts, months (open/closed), cost and revenue lines, entries (each
linked to its source), the to-fix list, the pay pool and its lines, API idempotency records."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pimm.fields import CodeField
from pimm.planning.selectors import exam_type_name
from pimm.registry.models import Convention, Equipment, Member, Platform, Practitioner
from pimm.worklist.models import Exam

MONEY = {"max_digits": 14, "decimal_places": 2}


class Tariff(models.Model):
    """One code's amount over [valid_from, valid_to] (CCAM act, supplement, modifier)."""

    class Kind(models.TextChoices):
        ACT = "act", _("Acte intellectuel (CCAM)")
        SUPPLEMENT = "supplement", _("Supplément")
        MODIFIER = "modifier", _("Modificateur")

    code = models.CharField(_("code"), max_length=30)
    label = models.CharField(_("libellé"), max_length=300)
    kind = models.CharField(_("nature"), max_length=12, choices=Kind.choices)
    modality = models.CharField(_("modalité"), max_length=10, blank=True)
    amount = models.DecimalField(_("montant (€)"), **MONEY)
    valid_from = models.DateField(_("valable à partir du"))
    valid_to = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tarif")
        verbose_name_plural = _("tarifs")
        ordering = ["code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="ledger_tariff_version")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.amount} € ({self.valid_from})"

    @property
    def audit_member_id(self) -> None:
        return None


class TechnicalFeeScale(models.Model):
    """The forfait technique of one modality over a validity period: the reference activity,
    the two thresholds (acts per device per year) and the rates, full and depreciated."""

    modality = models.CharField(_("modalité"), max_length=10)
    valid_from = models.DateField(_("valable à partir du"))
    valid_to = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    reference = models.PositiveIntegerField(_("activité de référence"))
    threshold1 = models.PositiveIntegerField(_("seuil 1"))
    threshold2 = models.PositiveIntegerField(_("seuil 2"))
    full = models.DecimalField(_("forfait plein (non amorti)"), **MONEY)
    depreciated_full = models.DecimalField(_("amorti : forfait plein"), **MONEY)
    depreciated_tier1 = models.DecimalField(_("amorti : au-delà de la référence"), **MONEY)
    depreciated_tier2 = models.DecimalField(_("amorti : au-delà du seuil 1"), **MONEY)
    depreciated_tier3 = models.DecimalField(_("amorti : au-delà du seuil 2"), **MONEY)
    source = models.CharField(_("source"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("barème de forfait technique")
        verbose_name_plural = _("barèmes de forfait technique")
        ordering = ["modality", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["modality", "valid_from"], name="ledger_ft_version")
        ]

    def __str__(self) -> str:
        return f"FT {self.modality} ({self.valid_from})"

    @property
    def audit_member_id(self) -> None:
        return None


class ActMapping(models.Model):
    """Which CCAM act an exam type is billed as (``exam_type`` before any ``@device``)."""

    exam_type = CodeField(_("type d'examen"), max_length=100, unique=True, vocabulary="exam_type")
    act_code = models.CharField(_("code de l'acte"), max_length=30)
    archiving = models.BooleanField(_("supplément d'archivage"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("correspondance type d'examen → acte")
        verbose_name_plural = _("correspondances types d'examen → actes")
        ordering = ["exam_type"]

    def __str__(self) -> str:
        return f"{exam_type_name(self.exam_type)} → {self.act_code}"

    @property
    def audit_member_id(self) -> None:
        return None


class FeePolicy(models.Model):
    class Sector(models.TextChoices):
        ONE = "1", _("Secteur 1 (tarifs opposables)")
        TWO = "2", _("Secteur 2 (honoraires libres)")
        SALARIED = "salaried", _("Salarié / praticien hospitalier")

    practitioner = models.OneToOneField(
        Practitioner, on_delete=models.CASCADE, related_name="+", verbose_name=_("praticien")
    )
    sector = models.CharField(_("secteur"), max_length=10, choices=Sector.choices)
    extra_fees_agreed = models.BooleanField(_("dépassements convenus"), default=False)
    max_extra_fee = models.DecimalField(
        _("dépassement maximal par acte (€)"), null=True, blank=True, **MONEY
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("politique d'honoraires")
        verbose_name_plural = _("politiques d'honoraires")

    def __str__(self) -> str:
        return f"{self.practitioner} — {self.get_sector_display()}"

    @property
    def audit_member_id(self) -> int:
        return self.practitioner.member_id


class ExtraFeeAttempt(models.Model):
    """Every request for an extra fee (dépassement), accepted or refused, with the reason."""

    exam = models.ForeignKey(
        Exam, verbose_name=_("examen"), on_delete=models.PROTECT, related_name="+"
    )
    practitioner = models.ForeignKey(
        Practitioner, verbose_name=_("praticien"), on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("membre"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("montant demandé (€)"), **MONEY)
    at = models.DateTimeField(_("date"))
    accepted = models.BooleanField(_("accepté"))
    reason = models.CharField(_("motif"), max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("demande de dépassement")
        verbose_name_plural = _("demandes de dépassement")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.exam_id} {self.amount} € ({'ok' if self.accepted else 'refusé'})"


class Period(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Ouvert")
        CLOSED = "closed", _("Clos")

    platform = models.ForeignKey(
        Platform, verbose_name=_("plateau"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("mois"))  # its first day
    status = models.CharField(_("état"), max_length=8, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clos par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("période comptable")
        verbose_name_plural = _("périodes comptables")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "month"], name="ledger_one_period_a_month")
        ]

    def __str__(self) -> str:
        return self.month.strftime("%m/%Y")

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def audit_member_id(self) -> None:
        return None


class CostLine(models.Model):
    """A cost or a revenue of one month, shared between the members by a key."""

    class Kind(models.TextChoices):
        COST = "cost", _("Charge")
        REVENUE = "revenue", _("Recette")

    class Category(models.TextChoices):
        LEASING = "leasing", _("Crédit-bail / location des équipements")
        MAINTENANCE = "maintenance", _("Maintenance")
        STAFF = "staff", _("Personnel")
        PREMISES = "premises", _("Locaux")
        IT = "it", _("Informatique")
        CONSUMABLES = "consumables", _("Consommables")
        GRANT = "grant", _("Subvention / dotation")
        OTHER = "other", _("Autre")

    class Basis(models.TextChoices):
        TIME = "time", _("Temps machine (plan de vacations)")
        ACTIVITY = "activity", _("Activité (actes réalisés)")
        FIXED = "fixed", _("Part fixe (convention)")
        MIX = "mix", _("Mélange pondéré")

    period = models.ForeignKey(
        Period, verbose_name=_("période"), on_delete=models.PROTECT, related_name="cost_lines"
    )
    kind = models.CharField(_("nature"), max_length=8, choices=Kind.choices)
    category = models.CharField(_("catégorie"), max_length=12, choices=Category.choices)
    label = models.CharField(_("libellé"), max_length=200)
    amount = models.DecimalField(_("montant (€)"), **MONEY)
    basis = models.CharField(_("clé"), max_length=10, choices=Basis.choices)
    # weights of the mix, in percent (used when basis = mix; they sum to 100)
    mix_time = models.DecimalField(
        _("poids temps machine (%)"), max_digits=5, decimal_places=2, default=0
    )
    mix_activity = models.DecimalField(
        _("poids activité (%)"), max_digits=5, decimal_places=2, default=0
    )
    mix_fixed = models.DecimalField(
        _("poids part fixe (%)"), max_digits=5, decimal_places=2, default=0
    )
    allocated = models.BooleanField(_("réparti"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saisi par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ligne de charge ou de recette")
        verbose_name_plural = _("lignes de charges et de recettes")
        ordering = ["period", "kind", "pk"]

    def __str__(self) -> str:
        return f"{self.label} ({self.amount} €)"

    @property
    def audit_member_id(self) -> None:
        return None


class Entry(models.Model):
    """One amount for one member in one month, with its source: the exam (acts), the cost line
    and the convention version whose key shared it, or the entry it reverses."""

    class Kind(models.TextChoices):
        ACT = "act", _("Acte intellectuel")
        TECHNICAL_FEE = "technical_fee", _("Forfait technique")
        SUPPLEMENT = "supplement", _("Supplément")
        EXTRA_FEE = "extra_fee", _("Dépassement d'honoraires")
        COST_SHARE = "cost_share", _("Quote-part de charges")
        REVENUE_SHARE = "revenue_share", _("Quote-part de recettes")

    PRODUCED = (Kind.ACT, Kind.TECHNICAL_FEE, Kind.SUPPLEMENT, Kind.EXTRA_FEE)

    period = models.ForeignKey(
        Period, verbose_name=_("période"), on_delete=models.PROTECT, related_name="entries"
    )
    date = models.DateField(_("date"))
    member = models.ForeignKey(
        Member, verbose_name=_("membre"), on_delete=models.PROTECT, related_name="+"
    )
    practitioner = models.ForeignKey(
        Practitioner,
        verbose_name=_("praticien"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("nature"), max_length=14, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=30, blank=True)
    label = models.CharField(_("libellé"), max_length=300)
    amount = models.DecimalField(_("montant (€)"), **MONEY)
    exam = models.ForeignKey(
        Exam,
        verbose_name=_("examen"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    equipment = models.ForeignKey(
        Equipment,
        verbose_name=_("équipement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cost_line = models.ForeignKey(
        CostLine,
        verbose_name=_("ligne de charge ou de recette"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    convention = models.ForeignKey(
        Convention,
        verbose_name=_("convention"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("écriture contrepassée"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    created_at = models.DateTimeField(_("écrit le"), auto_now_add=True)

    class Meta:
        verbose_name = _("écriture")
        verbose_name_plural = _("écritures")
        ordering = ["date", "pk"]
        indexes = [
            models.Index(fields=["period", "member", "kind"]),
            models.Index(fields=["exam"]),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.label} {self.amount} €"


class DeviceYear(models.Model):
    """How many technical fees a device has earned in a year (the degressivity rank counter,
    locked with SELECT FOR UPDATE when an exam's entries are written)."""

    equipment = models.ForeignKey(
        Equipment, verbose_name=_("équipement"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("année"))
    acts = models.PositiveIntegerField(_("forfaits techniques"), default=0)

    class Meta:
        verbose_name = _("activité annuelle d'un appareil")
        verbose_name_plural = _("activités annuelles des appareils")
        constraints = [
            models.UniqueConstraint(fields=["equipment", "year"], name="ledger_device_year")
        ]

    def __str__(self) -> str:
        return f"{self.equipment_id} {self.year}: {self.acts}"


class ToFix(models.Model):
    """A signed exam whose entries could not be written (a tariff, a mapping or a device
    missing): listed until a retry writes them."""

    exam = models.ForeignKey(
        Exam, verbose_name=_("examen"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("motif"), max_length=300)
    # the same, each problem with its msgid and parameters (pimm.engine.i18n records)
    problems = models.JSONField(_("problèmes"), default=list, blank=True)
    created_at = models.DateTimeField(_("signalé le"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("résolu le"), null=True, blank=True)

    class Meta:
        verbose_name = _("examen à corriger")
        verbose_name_plural = _("examens à corriger")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["exam"],
                condition=models.Q(resolved_at__isnull=True),
                name="ledger_one_open_fix_per_exam",
            )
        ]

    def __str__(self) -> str:
        return f"{self.exam_id}: {self.reason}"


class PayPool(models.Model):
    """The month's pool for the practitioners' pay, shared by points (L6122-15 derogation)."""

    period = models.OneToOneField(
        Period, verbose_name=_("période"), on_delete=models.PROTECT, related_name="pay_pool"
    )
    amount = models.DecimalField(_("enveloppe (€)"), **MONEY)
    activity_weight = models.DecimalField(
        _("points par acte"), max_digits=8, decimal_places=3, default=1
    )
    duty_weight = models.DecimalField(
        _("coefficient des points de garde"), max_digits=8, decimal_places=3, default=1
    )
    computed_at = models.DateTimeField(_("calculé le"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enveloppe de rémunération")
        verbose_name_plural = _("enveloppes de rémunération")

    def __str__(self) -> str:
        return f"{self.period} {self.amount} €"

    @property
    def audit_member_id(self) -> None:
        return None


class PayLine(models.Model):
    pool = models.ForeignKey(
        PayPool, verbose_name=_("enveloppe"), on_delete=models.CASCADE, related_name="lines"
    )
    practitioner = models.ForeignKey(
        Practitioner, verbose_name=_("praticien"), on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("membre"), on_delete=models.PROTECT, related_name="+"
    )
    acts = models.PositiveIntegerField(_("actes"))
    activity_points = models.DecimalField(_("points d'activité"), max_digits=12, decimal_places=3)
    duty_points = models.DecimalField(_("points de garde"), max_digits=12, decimal_places=3)
    points = models.DecimalField(_("points"), max_digits=12, decimal_places=3)
    amount = models.DecimalField(_("montant (€)"), **MONEY)

    class Meta:
        verbose_name = _("ligne de rémunération")
        verbose_name_plural = _("lignes de rémunération")
        ordering = ["practitioner__last_name", "practitioner__first_name"]

    def __str__(self) -> str:
        return f"{self.practitioner_id} {self.amount} €"


class IdempotencyRecord(models.Model):
    """The first answer to an API write sent with an ``Idempotency-Key`` header."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("utilisateur"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(_("clé"), max_length=200)
    route = models.CharField(_("route"), max_length=200)
    body_hash = models.CharField(_("empreinte du corps"), max_length=64)
    status = models.PositiveSmallIntegerField(_("statut"))
    response = models.JSONField(_("réponse"))
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("clé d'idempotence")
        verbose_name_plural = _("clés d'idempotence")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="ledger_idempotency_key")
        ]

    def __str__(self) -> str:
        return self.key
