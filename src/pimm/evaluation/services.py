"""Writes of the evaluation room, each in one transaction, checked against the actor through the
room's access table and audited (HistoricalRecords: who, when, what changed)."""

from __future__ import annotations

import datetime as dt
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pimm.accounts.lifecycle import Lifecycle, can_move
from pimm.evaluation import access, selectors
from pimm.evaluation import models as ev

L = Lifecycle

SECTIONS = {
    ev.ReportKind.ANNUAL: (
        ("summary", "Synthèse de l'année"),
        ("highlights", "Faits marquants"),
        ("medical", "Évaluation médicale"),
        ("economic", "Évaluation économique"),
        ("difficulties", "Difficultés rencontrées et actions correctives"),
        ("outlook", "Perspectives pour l'année suivante"),
    ),
    ev.ReportKind.FINAL: (
        ("summary", "Synthèse des sept années"),
        ("medical", "Évaluation médicale"),
        ("economic", "Évaluation économique"),
        ("lessons", "Enseignements et difficultés"),
        ("renewal", "Demande de renouvellement et perspectives"),
    ),
    ev.ReportKind.DOSSIER: (
        ("structure", "Structure porteuse et convention"),
        ("members", "Membres et décisions de leurs instances"),
        ("teams", "Projet médical de chaque équipe"),
        ("pdses", "Organisation de la permanence des soins (PDSES)"),
        ("commitments", "Engagements socles et optionnels"),
        ("means", "Moyens humains et matériels"),
        ("interconnection", "Interconnexion des systèmes d'information"),
        ("financing", "Modèle de financement"),
        ("evaluation", "Modalités et critères d'évaluation"),
    ),
}


def _require(actor) -> None:
    if not access.can(actor, "manage"):
        raise PermissionDenied(_("Seule la coordination du PIMM modifie l'évaluation."))


def commitment_save(*, actor, commitment: ev.Commitment) -> ev.Commitment:
    _require(actor)
    unknown = [c for c in commitment.indicators or [] if c not in selectors.REGISTRY]
    if unknown:
        raise ValidationError(
            {"indicators": _("Indicateur inconnu : %(codes)s.") % {"codes": ", ".join(unknown)}}
        )
    commitment.full_clean()
    with transaction.atomic():
        commitment._history_user = actor
        commitment.save()
    return commitment


def evidence_add(
    *,
    actor,
    commitment: ev.Commitment,
    date: dt.date | None,
    count: int | None,
    description: str,
    attachment,
    hours=None,
    member=None,
) -> ev.Evidence:
    """Record one piece of evidence. Refused, writing nothing, without a date, with a count below
    zero or without its attachment."""
    _require(actor)
    errors = {}
    if date is None:
        errors["date"] = _("La date de la preuve est obligatoire.")
    if count is None:
        errors["count"] = _("Le nombre est obligatoire.")
    elif count < 0:
        errors["count"] = _("Le nombre ne peut pas être négatif.")
    if hours is not None and hours < 0:
        errors["hours"] = _("Les heures ne peuvent pas être négatives.")
    if not attachment:
        errors["attachment"] = _(
            "Joignez la pièce justificative (compte rendu, feuille d'émargement…)."
        )
    if errors:
        raise ValidationError(errors)
    evidence = ev.Evidence(
        commitment=commitment,
        member=member,
        date=date,
        count=count,
        hours=hours,
        description=description,
        created_by=actor,
    )
    evidence.attachment.save(getattr(attachment, "name", "preuve"), attachment, save=False)
    evidence.full_clean()
    with transaction.atomic():
        evidence._history_user = actor
        evidence.save()
    return evidence


def draft_create(*, actor, kind: str, year: int | None = None, title: str = "") -> ev.ReportDraft:
    _require(actor)
    p = selectors.platform()
    if p is None:
        raise ValidationError(_("Aucune plateforme n'est enregistrée."))
    if kind != ev.ReportKind.ANNUAL:
        year = None
    default = {
        ev.ReportKind.ANNUAL: _("Rapport d'étape annuel — année %(n)s") % {"n": year},
        ev.ReportKind.FINAL: _("Rapport final"),
        ev.ReportKind.DOSSIER: _("Dossier de demande d'autorisation"),
    }[kind]
    draft = ev.ReportDraft(platform=p, kind=kind, year=year, title=title or default)
    draft.full_clean()
    with transaction.atomic():
        draft._history_user = actor
        draft.save()
        for i, (key, heading) in enumerate(SECTIONS[kind]):
            section = ev.ReportSection(draft=draft, key=key, title=heading, position=i)
            section._history_user = actor
            section.save()
    return draft


def section_save(*, actor, section: ev.ReportSection, text: str) -> ev.ReportSection:
    _require(actor)
    section.text = text
    with transaction.atomic():
        section._history_user = actor
        section.save()
    return section


def period_of(draft: ev.ReportDraft) -> selectors.Period:
    p = draft.platform
    if draft.kind == ev.ReportKind.ANNUAL:
        return selectors.authorisation_year(p, draft.year)
    if draft.kind == ev.ReportKind.FINAL:
        years = selectors.authorisation_years(p)
        return selectors.Period(0, years[0].start, years[-1].end)
    today = timezone.localdate()  # the dossier: the year gone by
    return selectors.Period(0, selectors.add_years(today, -1), today + dt.timedelta(days=1))


def report_start(*, actor, draft: ev.ReportDraft) -> ev.Report:
    """Queue one generation of the draft (the PDF and the ODT) for the task worker."""
    from pimm.evaluation.tasks import generate_report  # noqa: PLC0415 — tasks import services

    _require(actor)
    period = period_of(draft)
    today = timezone.localdate()
    with transaction.atomic():
        report = ev.Report(
            draft=draft,
            period_start=period.start,
            period_end=period.end,
            provisional=draft.kind != ev.ReportKind.DOSSIER and not period.closed(today),
            created_by=actor,
            step=_("En file d'attente"),
        )
        report._history_user = actor
        report.save()
    generate_report.enqueue(report.pk, translation.get_language() or "fr")
    report.refresh_from_db()
    return report


def _progress(report_id: int, percent: int, step: str) -> None:
    ev.Report.objects.filter(pk=report_id).update(progress=percent, step=step)


def report_run(*, report_id: int, language: str = "fr") -> ev.Report:
    """Generate a queued report, claimed by a conditional UPDATE (two workers never both run it)."""
    from pimm.evaluation import documents  # noqa: PLC0415 — documents load WeasyPrint and odfpy

    if not ev.Report.objects.filter(pk=report_id, status=L.DRAFT).update(status=L.SOLVING):
        return ev.Report.objects.get(pk=report_id)
    report = ev.Report.objects.select_related("draft__platform").get(pk=report_id)
    began = time.perf_counter()
    try:
        with translation.override(language):
            content = documents.build(
                report, on_progress=lambda pc, step: _progress(report_id, pc, step)
            )
            _progress(report_id, 70, _("Mise en page du PDF"))
            pdf = documents.to_pdf(content)
            _progress(report_id, 90, _("Écriture du document ODT"))
            odt = documents.to_odt(content)
    except Exception as exc:  # shown on the report's page; the files are not written
        ev.Report.objects.filter(pk=report_id).update(
            status=L.FAILED, message=f"{type(exc).__name__}: {exc}", finished_at=timezone.now()
        )
        return ev.Report.objects.get(pk=report_id)
    stem = f"{report.draft.kind}-{report.period_start:%Y%m%d}-{report.pk}"
    with transaction.atomic():
        report.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
        report.odt.save(f"{stem}.odt", ContentFile(odt), save=False)
        report.status = L.READY
        report.progress = 100
        report.step = _("Terminé")
        report.seconds = round(time.perf_counter() - began, 2)
        report.finished_at = timezone.now()
        report.save()
    return report


def report_publish(*, actor, report: ev.Report) -> ev.Report:
    """Mark a generated report as sent to the ARS; an earlier one of the same draft is superseded."""
    _require(actor)
    if not can_move(report.status, L.PUBLISHED):
        raise ValidationError(_("Seul un rapport généré peut être marqué comme transmis."))
    with transaction.atomic():
        for old in ev.Report.objects.filter(draft=report.draft, status=L.PUBLISHED):
            old.status = L.SUPERSEDED
            old._history_user = actor
            old.save()
        report.status = L.PUBLISHED
        report._history_user = actor
        report.save()
    return report


def annex_add(*, actor, kind: str, attachment, member=None, signed_on=None) -> ev.Annex:
    _require(actor)
    if not attachment:
        raise ValidationError({"attachment": _("Joignez le fichier de la pièce.")})
    p = selectors.platform()
    annex = ev.Annex(platform=p, kind=kind, member=member, signed_on=signed_on)
    annex.attachment.save(getattr(attachment, "name", "piece"), attachment, save=False)
    annex.full_clean()
    with transaction.atomic():
        annex._history_user = actor
        annex.save()
    return annex
