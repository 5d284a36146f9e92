"""The clinical flow: orders, exams, assignments to readers, reports, critical findings.

Patient identity lives in ``Patient`` only; its identifying fields are excluded from the history
tables (and so from the audit trail), and ``str(patient)`` is the pseudonym. Every other model
refers to the patient through that pseudonym.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pimm.fields import CodeField
from pimm.registry.models import Competence, Equipment, Member, Platform, Practitioner, Site
from pimm.worklist import reasons

User = settings.AUTH_USER_MODEL


class PriorityClass(models.Model):
    """A priority class and its target turnaround (images available -> report signed)."""

    class Code(models.TextChoices):  # the same codes as pimm.engine.routing.Priority
        LIFE_THREATENING = "life_threatening", _("Urgence vitale")
        EMERGENCY = "emergency", _("Urgence")
        INPATIENT = "inpatient", _("Hospitalisé")
        OUTPATIENT = "outpatient", _("Externe")

    DEFAULTS = {  # code: (target minutes, open delay minutes)
        "life_threatening": (30, 5),
        "emergency": (60, 10),
        "inpatient": (24 * 60, 180),
        "outpatient": (72 * 60, 720),
    }

    platform = models.ForeignKey(
        Platform, on_delete=models.CASCADE, related_name="+", verbose_name=_("plateau mutualisé")
    )
    code = models.CharField(_("code"), max_length=20, choices=Code.choices)
    label = models.CharField(_("libellé"), max_length=100)
    target_minutes = models.PositiveIntegerField(_("délai cible (minutes)"))
    open_delay_minutes = models.PositiveIntegerField(
        _("délai d'ouverture avant réattribution (minutes)")
    )
    rank = models.PositiveSmallIntegerField(_("rang"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("classe de priorité")
        verbose_name_plural = _("classes de priorité")
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "code"], name="worklist_priority_unique")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def audit_member_id(self) -> None:
        return None


class Patient(models.Model):
    """Identity of a patient. Shown only to the reader assigned to one of their exams."""

    pseudonym = models.CharField(_("pseudonyme"), max_length=20, unique=True)
    family_name = models.CharField(_("nom"), max_length=100)
    given_name = models.CharField(_("prénom"), max_length=100)
    birth_date = models.DateField(_("date de naissance"))
    nir = models.CharField(_("NIR / INS"), max_length=15)
    css = models.BooleanField(_("complémentaire santé solidaire"), default=False)
    history = HistoricalRecords(excluded_fields=["family_name", "given_name", "birth_date", "nir"])

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")

    def __str__(self) -> str:
        return self.pseudonym

    @property
    def audit_member_id(self) -> None:
        return None


class Order(models.Model):
    """A request for an imaging exam (demande d'examen)."""

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="orders", verbose_name=_("patient")
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="+", verbose_name=_("membre")
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    priority = models.ForeignKey(
        PriorityClass, on_delete=models.PROTECT, related_name="+", verbose_name=_("priorité")
    )
    requested_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    requester = models.CharField(_("prescripteur"), max_length=200, blank=True)
    indication = models.TextField(_("indication"), blank=True)
    # ORC-2 / ServiceRequest.identifier: the order number the member's HIS or RIS gave it
    placer_number = models.CharField(
        _("numéro de demande de l'émetteur"), max_length=64, blank=True, db_index=True
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("créé par")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("demande d'examen")
        verbose_name_plural = _("demandes d'examen")

    def __str__(self) -> str:
        return f"Demande {self.pk}"

    @property
    def audit_member_id(self) -> int:
        return self.member_id


class Exam(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("programmé")
        ARRIVED = "arrived", _("patient arrivé")
        IN_PROGRESS = "in_progress", _("en cours")
        PERFORMED = "performed", _("réalisé")
        IMAGES_AVAILABLE = "images_available", _("images disponibles")
        ASSIGNED = "assigned", _("attribué")
        READ = "read", _("lu")
        SIGNED = "signed", _("signé")
        CANCELLED = "cancelled", _("annulé")

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="exams", verbose_name=_("demande")
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="exams", verbose_name=_("patient")
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="+", verbose_name=_("membre")
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    priority = models.ForeignKey(
        PriorityClass, on_delete=models.PROTECT, related_name="+", verbose_name=_("priorité")
    )
    modality = models.CharField(_("modalité"), max_length=10)
    exam_type = CodeField(_("type d'examen"), max_length=100, blank=True, vocabulary="exam_type")
    competence = models.CharField(
        _("compétence requise"), max_length=20, choices=Competence.choices, default="general"
    )
    critical = models.BooleanField(_("critique / AVC"), default=False)
    work_units = models.FloatField(_("unités de travail"), default=1.0)
    study_uid = models.CharField(_("Study Instance UID"), max_length=64, blank=True)
    # DICOM (0008,0050): the key that joins the order, the modality worklist, MPPS and the PACS
    accession_number = models.CharField(
        _("numéro d'accession"), max_length=16, blank=True, db_index=True
    )
    # the device that performs it (modality worklist, technical fee, utilisation); null until known
    equipment = models.ForeignKey(
        Equipment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("appareil"),
    )
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    scheduled_at = models.DateTimeField(_("programmé le"), null=True, blank=True)
    ready_at = models.DateTimeField(_("images disponibles le"), null=True, blank=True)
    deadline = models.DateTimeField(_("échéance"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signé le"), null=True, blank=True)
    reader = models.ForeignKey(
        Practitioner,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("radiologue lecteur"),
    )
    # bumped by every routing write: a conditional UPDATE on it lets exactly one writer win
    routing_version = models.PositiveIntegerField(_("version du routage"), default=0)
    waiting_reason = models.CharField(_("motif d'attente"), max_length=300, blank=True)
    waiting_rule = models.CharField(_("règle d'attente"), max_length=60, blank=True)
    escalated_at = models.DateTimeField(_("escaladé le"), null=True, blank=True)
    escalation_reason = models.CharField(_("motif d'escalade"), max_length=300, blank=True)
    escalation_rule = models.CharField(_("règle d'escalade"), max_length=60, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("examen")
        verbose_name_plural = _("examens")
        indexes = [models.Index(fields=["status", "ready_at"]), models.Index(fields=["reader"])]

    def __str__(self) -> str:
        return f"Examen {self.pk} ({self.modality})"

    def get_absolute_url(self) -> str:
        return reverse("worklist:exam", args=[self.pk])

    @property
    def audit_member_id(self) -> int:
        return self.member_id

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.SIGNED, self.Status.CANCELLED)

    @property
    def waiting_text(self) -> str:
        """Why it waits, in the reader's language (``reasons``), else as stored."""
        return reasons.explain(self.waiting_rule, self) or self.waiting_reason

    @property
    def escalation_text(self) -> str:
        return reasons.explain(self.escalation_rule, self) or self.escalation_reason


class ExamEvent(models.Model):
    """One status transition of an exam, with its time and actor."""

    exam = models.ForeignKey(
        Exam, on_delete=models.CASCADE, related_name="events", verbose_name=_("examen")
    )
    at = models.DateTimeField(_("date"), default=timezone.now)
    from_status = models.CharField(_("statut précédent"), max_length=20, blank=True)
    to_status = models.CharField(_("nouveau statut"), max_length=20)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("auteur")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    rule = models.CharField(_("règle"), max_length=70, blank=True)  # routing rule, if any
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("événement d'examen")
        verbose_name_plural = _("événements d'examen")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.exam_id}: {self.from_status} -> {self.to_status}"

    @property
    def to_label(self) -> str:
        labels = dict(Exam.Status.choices)
        return str(labels.get(self.to_status, self.to_status))

    @property
    def text(self) -> str:
        """The note, in the reader's language when a routing rule wrote it (``reasons``)."""
        return reasons.explain(self.rule, self.exam) or self.note

    @property
    def audit_member_id(self) -> int:
        return self.exam.member_id


class Assignment(models.Model):
    """An exam given to a reader by the router (or the coordinator); ended when moved."""

    exam = models.ForeignKey(
        Exam, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("examen")
    )
    reader = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("radiologue lecteur"),
    )
    assigned_at = models.DateTimeField(_("attribué le"), default=timezone.now)
    opened_at = models.DateTimeField(_("ouvert le"), null=True, blank=True)
    ended_at = models.DateTimeField(_("fin"), null=True, blank=True)
    rule = models.CharField(_("règle"), max_length=60, blank=True)
    reason = models.CharField(_("motif"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attribution de lecture")
        verbose_name_plural = _("attributions de lecture")
        ordering = ["assigned_at", "pk"]
        indexes = [
            # the queues: routing reads the open assignments of a few readers on every decision,
            # among every assignment ever made
            models.Index(
                fields=["reader", "assigned_at"],
                condition=models.Q(ended_at__isnull=True),
                name="worklist_assignment_open",
            )
        ]

    def __str__(self) -> str:
        return f"Attribution {self.pk} (examen {self.exam_id})"

    @property
    def audit_member_id(self) -> int:
        return self.exam.member_id


class Report(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("brouillon")
        SIGNED = "signed", _("signé")
        AMENDED = "amended", _("amendé")

    exam = models.OneToOneField(
        Exam, on_delete=models.PROTECT, related_name="report", verbose_name=_("examen")
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    text = models.TextField(_("compte rendu"), blank=True)
    author = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="+", verbose_name=_("auteur")
    )
    signed_by = models.ForeignKey(
        Practitioner,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signé par"),
    )
    signed_at = models.DateTimeField(_("signé le"), null=True, blank=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("compte rendu")
        verbose_name_plural = _("comptes rendus")

    def __str__(self) -> str:
        return f"Compte rendu {self.pk} (examen {self.exam_id})"

    @property
    def audit_member_id(self) -> int:
        return self.exam.member_id


class CriticalFinding(models.Model):
    """A critical result flagged by the reader; reminders go out until it is acknowledged."""

    exam = models.ForeignKey(
        Exam, on_delete=models.PROTECT, related_name="critical_findings", verbose_name=_("examen")
    )
    description = models.TextField(_("résultat critique"))
    flagged_by = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="+", verbose_name=_("signalé par")
    )
    flagged_at = models.DateTimeField(_("signalé le"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("accusé de réception le"), null=True, blank=True)
    acknowledged_by = models.CharField(_("acquitté par"), max_length=200, blank=True)
    reminders = models.PositiveIntegerField(_("relances"), default=0)
    last_reminder_at = models.DateTimeField(_("dernière relance"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clos par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    close_reason = models.TextField(_("motif de clôture"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("résultat critique")
        verbose_name_plural = _("résultats critiques")

    def __str__(self) -> str:
        return f"Résultat critique {self.pk} (examen {self.exam_id})"

    @property
    def is_open(self) -> bool:
        """Still to chase: neither acknowledged by its recipient nor closed by coordination."""
        return self.acknowledged_at is None and self.closed_at is None

    @property
    def audit_member_id(self) -> int:
        return self.exam.member_id


class Communication(models.Model):
    """Who was told about a critical finding, when and how (auditable by the ARS)."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("téléphone")
        IN_PERSON = "in_person", _("en personne")
        SECURE_MESSAGE = "secure_message", _("messagerie sécurisée")
        REMINDER = "reminder", _("relance automatique")

    finding = models.ForeignKey(
        CriticalFinding,
        on_delete=models.CASCADE,
        related_name="communications",
        verbose_name=_("résultat critique"),
    )
    at = models.DateTimeField(_("date"), default=timezone.now)
    channel = models.CharField(_("moyen"), max_length=20, choices=Channel.choices)
    recipient = models.CharField(_("destinataire"), max_length=200)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("auteur")
    )
    acknowledged = models.BooleanField(_("réception confirmée"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("communication")
        verbose_name_plural = _("communications")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"Communication {self.pk}"

    @property
    def audit_member_id(self) -> int:
        return self.finding.exam.member_id


class AccessLog(models.Model):
    """Every display of a patient's identity: who, when, which exam."""

    user = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("utilisateur")
    )
    at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    exam = models.ForeignKey(
        Exam, on_delete=models.PROTECT, related_name="+", verbose_name=_("examen")
    )
    what = models.CharField(_("consultation"), max_length=100, default="identity")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consultation du dossier")
        verbose_name_plural = _("journal des consultations")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"Accès {self.pk} (examen {self.exam_id})"

    @property
    def audit_member_id(self) -> int:
        return self.exam.member_id


class RoutingGeneration(models.Model):
    """A token replaced at random by every change to what routing reads seldom (readers,
    privileges, presence plan, published rotas, service levels): each process keeps those inputs
    in memory under the token (``worklist.inputs``) and reloads them when it changes. Not
    audited: it holds no data, only the fact that something audited changed."""

    value = models.BigIntegerField(_("valeur"), default=0)

    class Meta:
        verbose_name = _("génération des données de routage")
        verbose_name_plural = _("générations des données de routage")

    def __str__(self) -> str:
        return str(self.value)
