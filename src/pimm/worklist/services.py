"""Writes of the clinical flow: keyword-only, typed, each in a transaction.

Routing decisions come from ``pimm.engine.routing`` through ``adapter`` and are written by
``decisions_apply``; every exam claim is a conditional UPDATE on ``routing_version`` whose row
count says who won (two routers deciding on the same exam at once: exactly one assignment).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from pimm.engine.routing import Decision, DecisionKind
from pimm.registry.models import Platform, Practitioner, Site
from pimm.worklist import adapter, hooks, reasons
from pimm.worklist import models as w
from pimm.worklist.pseudonym import pseudonymise

log = logging.getLogger("pimm.worklist")
S = w.Exam.Status

# allowed status transitions (manual ones; routing moves images_available <-> assigned)
TRANSITIONS: dict[str, frozenset[str]] = {
    S.SCHEDULED: frozenset({S.ARRIVED, S.CANCELLED}),
    S.ARRIVED: frozenset({S.IN_PROGRESS, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.PERFORMED, S.CANCELLED}),
    S.PERFORMED: frozenset({S.IMAGES_AVAILABLE, S.CANCELLED}),
    S.IMAGES_AVAILABLE: frozenset({S.ASSIGNED, S.CANCELLED}),
    S.ASSIGNED: frozenset({S.IMAGES_AVAILABLE, S.ASSIGNED, S.READ, S.SIGNED, S.CANCELLED}),
    S.READ: frozenset({S.SIGNED}),
    S.SIGNED: frozenset(),
    S.CANCELLED: frozenset(),
}
TECHNOLOGIST_STEPS = frozenset({S.ARRIVED, S.IN_PROGRESS, S.PERFORMED, S.IMAGES_AVAILABLE})


class WorklistError(ValidationError):
    pass


def _save(obj, history_user, **kwargs) -> None:
    obj._history_user = history_user
    obj.save(**kwargs)


def _create(model, history_user, /, **fields):
    obj = model(**fields)
    _save(obj, history_user)
    return obj


def _event(
    exam: w.Exam, frm: str, to: str, at: dt.datetime, actor, note: str = "", rule: str = ""
) -> None:
    _create(
        w.ExamEvent,
        actor,
        exam=exam,
        at=at,
        from_status=frm,
        to_status=to,
        note=note[:300],
        rule=rule[:70],
    )


# -- set-up ----------------------------------------------------------------------------------
@transaction.atomic
def priority_classes_ensure(*, platform: Platform, actor=None) -> list[w.PriorityClass]:
    """The four classes with their default targets (kept if already configured)."""
    out = []
    for rank, (code, label) in enumerate(w.PriorityClass.Code.choices):
        target, delay = w.PriorityClass.DEFAULTS[code]
        pc = w.PriorityClass.objects.filter(platform=platform, code=code).first()
        if pc is None:
            pc = _create(
                w.PriorityClass,
                actor,
                platform=platform,
                code=code,
                label=str(label),
                target_minutes=target,
                open_delay_minutes=delay,
                rank=rank,
            )
        out.append(pc)
    return out


@transaction.atomic
def patient_get_or_create(
    *,
    family_name: str,
    given_name: str,
    birth_date: dt.date,
    nir: str,
    css: bool = False,
    key: str = "",
) -> w.Patient:
    """``key`` replaces the NIR in the pseudonym for an identity without a qualified INS (an
    interface passes the member's own patient number, so homonyms stay apart)."""
    pseudonym = pseudonymise(key or nir, birth_date, family_name)
    found = w.Patient.objects.filter(pseudonym=pseudonym).first()
    if found is not None:
        return found
    return _create(
        w.Patient,
        None,
        pseudonym=pseudonym,
        family_name=family_name,
        given_name=given_name,
        birth_date=birth_date,
        nir=nir,
        css=css,
    )


@transaction.atomic
def priority_class_update(
    *, pc: w.PriorityClass, label: str, target_minutes: int, open_delay_minutes: int, actor=None
) -> w.PriorityClass:
    """Change a class's label, target turnaround and open delay (the router reads them)."""
    label = (label or "").strip()
    errors = {}
    if not label:
        errors["label"] = _("Le libellé est obligatoire.")
    if target_minutes is None or target_minutes < 1:
        errors["target_minutes"] = _("Le délai cible doit être d'au moins une minute.")
    if open_delay_minutes is None or open_delay_minutes < 1:
        errors["open_delay_minutes"] = _("Le délai d'ouverture doit être d'au moins une minute.")
    elif target_minutes and open_delay_minutes >= target_minutes:
        errors["open_delay_minutes"] = _(
            "Le délai d'ouverture doit être plus court que le délai cible."
        )
    if errors:
        raise WorklistError(errors)
    pc = w.PriorityClass.objects.select_for_update().get(pk=pc.pk)
    pc.label, pc.target_minutes, pc.open_delay_minutes = label, target_minutes, open_delay_minutes
    _save(pc, actor)
    return pc


def queues_of_readers_gone(*, now: dt.datetime | None = None, actor=None) -> int:
    """The unopened exams of readers who can no longer read (a presence removed or cut short:
    ``oncall.hooks``) go to someone else now, not at the next tick. Returns the decisions written."""
    now = now or timezone.now()
    routing = adapter.Routing(now)
    return decisions_apply(
        decisions=routing.decisions, versions=routing.versions, at=now, actor=actor
    )


# -- orders and exams ------------------------------------------------------------------------
@transaction.atomic
def order_create(
    *,
    patient: w.Patient,
    site: Site,
    priority: w.PriorityClass,
    actor=None,
    requester: str = "",
    indication: str = "",
    requested_at: dt.datetime | None = None,
    placer_number: str = "",
) -> w.Order:
    return _create(
        w.Order,
        actor,
        patient=patient,
        member=site.member,
        site=site,
        priority=priority,
        requester=requester,
        indication=indication,
        requested_at=requested_at or timezone.now(),
        created_by=actor,
        placer_number=placer_number,
    )


@transaction.atomic
def exam_create(
    *,
    order: w.Order,
    modality: str,
    actor=None,
    competence: str = "general",
    exam_type: str = "",
    critical: bool = False,
    work_units: float = 1.0,
    scheduled_at: dt.datetime | None = None,
    study_uid: str = "",
    performed_at: dt.datetime | None = None,
    accession_number: str = "",
) -> w.Exam:
    """A scheduled exam; with ``performed_at`` (imports, demo) one already performed whose
    images are available at that time (not routed: call ``exam_route`` or let the router run)."""
    at = scheduled_at or timezone.now()
    ready = {}
    if performed_at is not None:
        ready = {
            "status": S.IMAGES_AVAILABLE,
            "ready_at": performed_at,
            "deadline": performed_at + dt.timedelta(minutes=order.priority.target_minutes),
        }
    exam = _create(
        w.Exam,
        actor,
        order=order,
        patient=order.patient,
        member=order.member,
        site=order.site,
        priority=order.priority,
        modality=modality,
        competence=competence,
        exam_type=exam_type,
        critical=critical,
        work_units=work_units,
        scheduled_at=at,
        study_uid=study_uid or f"1.2.250.1.999.{order.pk}.{at:%Y%m%d%H%M%S}",
        accession_number=accession_number,
        **({"status": S.SCHEDULED} | ready),
    )
    _event(exam, "", S.SCHEDULED, at, actor)
    if performed_at is not None:
        _event(exam, S.SCHEDULED, S.IMAGES_AVAILABLE, performed_at, actor)
    return exam


@transaction.atomic
def exam_transition(
    *, exam: w.Exam, to: str, actor=None, at: dt.datetime | None = None, note: str = ""
) -> w.Exam:
    """Move an exam one step (arrived, in progress, performed, images available, cancelled)."""
    at = at or timezone.now()
    exam = w.Exam.objects.select_for_update().select_related("priority").get(pk=exam.pk)
    if to not in TRANSITIONS[exam.status]:
        raise WorklistError(
            _("Transition impossible : %(a)s → %(b)s") % {"a": exam.status, "b": to}
        )
    frm = exam.status
    exam.status = to
    fields = ["status", "routing_version"]
    exam.routing_version += 1
    if to == S.IMAGES_AVAILABLE:
        exam.ready_at = at
        exam.deadline = at + dt.timedelta(minutes=exam.priority.target_minutes)
        fields += ["ready_at", "deadline"]
    if to == S.CANCELLED and exam.reader_id:
        w.Assignment.objects.filter(exam=exam, ended_at__isnull=True).update(ended_at=at)
    _save(exam, actor, update_fields=fields)
    _event(exam, frm, to, at, actor, note)
    return exam


def exam_images_available(
    *, exam: w.Exam, actor=None, at: dt.datetime | None = None, route: bool = True
) -> w.Exam:
    """Images are stable in the PACS: the exam is ready to read and routed at once."""
    exam = exam_transition(exam=exam, to=S.IMAGES_AVAILABLE, actor=actor, at=at)
    if route:
        exam_route(exam_id=exam.pk, now=at or timezone.now())
    return w.Exam.objects.get(pk=exam.pk)


@transaction.atomic
def exam_discontinued(
    *, exam: w.Exam, reason: str, actor=None, at: dt.datetime | None = None
) -> w.Exam:
    """The modality stopped the exam before its end (MPPS DISCONTINUED): back to scheduled,
    the reason kept on the event, to be performed again."""
    at = at or timezone.now()
    exam = w.Exam.objects.select_for_update().get(pk=exam.pk)
    if exam.status not in (S.ARRIVED, S.IN_PROGRESS):
        raise WorklistError(
            _("Transition impossible : %(a)s → %(b)s") % {"a": exam.status, "b": S.SCHEDULED}
        )
    frm = exam.status
    exam.status = S.SCHEDULED
    exam.routing_version += 1
    _save(exam, actor, update_fields=["status", "routing_version"])
    _event(exam, frm, S.SCHEDULED, at, actor, _("Interrompu : ") + reason)
    return exam


@transaction.atomic
def exam_interop_keys_set(
    *,
    exam: w.Exam,
    actor=None,
    accession_number: str | None = None,
    equipment=None,
    study_uid: str | None = None,
) -> w.Exam:
    """Set the keys the interfaces join on (accession number, device, Study Instance UID);
    ``None`` leaves a key as it is."""
    exam = w.Exam.objects.select_for_update().get(pk=exam.pk)
    fields = []
    for name, value in (
        ("accession_number", accession_number),
        ("equipment", equipment),
        ("study_uid", study_uid),
    ):
        if value is not None and getattr(exam, name) != value:
            setattr(exam, name, value)
            fields.append(name)
    if fields:
        _save(exam, actor, update_fields=fields)
    return exam


# -- routing ---------------------------------------------------------------------------------
def exam_claim(*, exam_id: int, expected_version: int) -> bool:
    """Conditional UPDATE: True for exactly one of several writers holding the same version."""
    return (
        w.Exam.objects.filter(pk=exam_id, routing_version=expected_version).update(
            routing_version=F("routing_version") + 1
        )
        == 1
    )


@transaction.atomic(savepoint=False)  # inside decisions_apply: no savepoint round trips
def exam_assign(
    *,
    exam_id: int,
    reader_id: int | None,
    expected_version: int,
    at: dt.datetime,
    rule: str = "manual",
    reason: str = "",
    actor=None,
) -> bool:
    """Give an exam to a reader (or back to the shared queue); False if someone else won."""
    if not exam_claim(exam_id=exam_id, expected_version=expected_version):
        log.info("worklist: exam %s claim lost (version %s)", exam_id, expected_version)
        return False
    exam = w.Exam.objects.get(pk=exam_id)
    if not exam.is_open:
        return False
    frm = exam.status
    w.Assignment.objects.filter(exam=exam, ended_at__isnull=True).update(ended_at=at)
    if reader_id is None:
        exam.status, exam.reader_id, exam.waiting_reason = S.IMAGES_AVAILABLE, None, reason[:300]
        exam.waiting_rule = rule[:60]
    else:
        exam.status, exam.reader_id, exam.waiting_reason = S.ASSIGNED, reader_id, ""
        exam.waiting_rule = ""
        _create(
            w.Assignment,
            actor,
            exam=exam,
            reader_id=reader_id,
            assigned_at=at,
            rule=rule[:60],
            reason=reason[:300],
        )
    _save(exam, actor, update_fields=["status", "reader", "waiting_reason", "waiting_rule"])
    _event(exam, frm, exam.status, at, actor, reason, rule)
    return True


def _escalate(exam_id: int, reason: str, rule: str, at: dt.datetime, actor) -> None:
    exam = w.Exam.objects.get(pk=exam_id)
    if exam.escalated_at and exam.escalation_reason == reason[:300]:
        return
    exam.escalated_at = exam.escalated_at or at
    exam.escalation_reason, exam.escalation_rule = reason[:300], rule[:60]
    if exam.status == S.IMAGES_AVAILABLE:
        exam.waiting_reason, exam.waiting_rule = reason[:300], rule[:60]
    _save(
        exam,
        actor,
        update_fields=[
            "escalated_at",
            "escalation_reason",
            "escalation_rule",
            "waiting_reason",
            "waiting_rule",
        ],
    )
    _event(
        exam,
        exam.status,
        exam.status,
        at,
        actor,
        _("Escalade : ") + reason,
        reasons.ESCALATION + rule,
    )
    log.warning("worklist: exam %s escalated (%s)", exam_id, reason)


@transaction.atomic
def decisions_apply(
    *, decisions: list[Decision], versions: dict[str, int], at: dt.datetime, actor=None
) -> int:
    """Write router decisions; each exam claimed at the version it was read. Returns writes."""
    written = 0
    for d in decisions:
        exam_id = int(d.exam_id)
        if d.kind == DecisionKind.ESCALATE:
            rule = d.rule
            if rule == "deadline_risk" and d.reader_id is None:
                rule = reasons.DEADLINE_RISK_WAITING
            _escalate(exam_id, d.reason, rule, at, actor)
            written += 1
            continue
        if d.kind == DecisionKind.HOLD:
            w.Exam.objects.filter(pk=exam_id, status=S.IMAGES_AVAILABLE).update(
                waiting_reason=d.reason[:300], waiting_rule=d.rule[:60]
            )
            continue
        version = versions.get(d.exam_id)
        if version is None:
            version = w.Exam.objects.values_list("routing_version", flat=True).get(pk=exam_id)
        reader = int(d.reader_id) if d.reader_id is not None else None
        if exam_assign(
            exam_id=exam_id,
            reader_id=reader,
            expected_version=version,
            at=at,
            rule=d.rule,
            reason=d.reason,
            actor=actor,
        ):
            versions[d.exam_id] = version + 1
            written += 1
    return written


def exam_route(*, exam_id: int, now: dt.datetime, actor=None) -> Decision | None:
    """Route one exam ready to read, from the slice of the state that this decision reads
    (``adapter.ExamRouting``: cheap at any platform size). Queues left by a reader gone off
    duty are re-routed by the next ``worklist_tick``."""
    found = adapter.exam_to_route(exam_id)
    if found is None:
        return None
    version, exam = found
    routing = adapter.ExamRouting(exam, version, now)
    decision = routing.route()
    decisions_apply(decisions=[decision], versions=routing.versions, at=now, actor=actor)
    return decision


def waiting_exams():
    return (
        w.Exam.objects.filter(status=S.IMAGES_AVAILABLE)
        .select_related("patient", "priority")
        .order_by("priority__rank", "deadline", "pk")
    )


def worklist_tick(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Periodic work: queues of readers gone off duty, waiting exams, open-delay re-routing,
    deadline escalation, reminders for unacknowledged critical findings."""
    now = now or timezone.now()
    routing = adapter.Routing(now)
    decisions = list(routing.decisions)
    for exam in waiting_exams().filter(ready_at__lte=now):
        if str(exam.pk) not in routing.state.exams:
            decisions.append(routing.route(exam))
    decisions += routing.tick()
    written = decisions_apply(decisions=decisions, versions=routing.versions, at=now)
    reminders = findings_remind(now=now)
    return {"decisions": len(decisions), "written": written, "reminders": reminders}


def reader_pull(*, reader: Practitioner, now: dt.datetime | None = None, actor=None) -> int:
    """Right after a signature: route what waits and pull work to the reader who is free now,
    instead of waiting for the next tick. Returns the decisions written."""
    now = now or timezone.now()
    routing = adapter.Routing(now)
    waiting = waiting_exams().filter(ready_at__lte=now)
    decisions = [*routing.decisions, *routing.pull(reader.pk, waiting)]
    return decisions_apply(decisions=decisions, versions=routing.versions, at=now, actor=actor)


# -- reading ---------------------------------------------------------------------------------
def _held(exam: w.Exam, reader: Practitioner) -> w.Assignment:
    a = w.Assignment.objects.filter(exam=exam, reader=reader, ended_at__isnull=True).first()
    status = w.Exam.objects.values_list("status", flat=True).get(pk=exam.pk)
    if a is None or status not in (S.ASSIGNED, S.READ):
        raise WorklistError(_("Cet examen n'est pas dans votre liste de lecture."))
    return a


@transaction.atomic
def exam_open(*, exam: w.Exam, reader: Practitioner, at: dt.datetime | None = None, actor=None):
    a = _held(exam, reader)
    if a.opened_at is None:
        a.opened_at = at or timezone.now()
        _save(a, actor, update_fields=["opened_at"])
    return a


@transaction.atomic
def report_save(
    *, exam: w.Exam, reader: Practitioner, text: str, actor=None, at: dt.datetime | None = None
) -> w.Report:
    report = w.Report.objects.filter(exam=exam).first()
    if report is not None and report.status != w.Report.Status.DRAFT:
        raise WorklistError(_("Le compte rendu est signé : utilisez un avenant."))
    _held(exam, reader)
    if report is None:
        return _create(w.Report, actor, exam=exam, author=reader, text=text)
    report.text = text
    _save(report, actor)
    return report


@transaction.atomic
def report_sign(
    *, exam: w.Exam, reader: Practitioner, actor=None, at: dt.datetime | None = None
) -> w.Report:
    at = at or timezone.now()
    exam = w.Exam.objects.select_for_update().get(pk=exam.pk)
    a = _held(exam, reader)
    report = w.Report.objects.filter(exam=exam).first()
    if report is None or not report.text.strip():
        raise WorklistError({"text": _("Le compte rendu est vide.")})
    report.status, report.signed_by, report.signed_at = w.Report.Status.SIGNED, reader, at
    _save(report, actor)
    if a.opened_at is None:
        a.opened_at = at
        _save(a, actor, update_fields=["opened_at"])
    frm = exam.status
    exam.status, exam.signed_at = S.SIGNED, at
    exam.routing_version += 1
    _save(exam, actor, update_fields=["status", "signed_at", "routing_version"])
    _event(exam, frm, S.SIGNED, at, actor)
    hooks.signed(exam=exam, report=report, amended=False, actor=actor)
    return report


@transaction.atomic
def report_amend(*, exam: w.Exam, reader: Practitioner, text: str, actor=None) -> w.Report:
    report = w.Report.objects.select_for_update().get(exam=exam)
    if report.status == w.Report.Status.DRAFT or report.signed_by_id != reader.pk:
        raise WorklistError(_("Seul le signataire peut amender un compte rendu signé."))
    report.text, report.status = text, w.Report.Status.AMENDED
    _save(report, actor)
    hooks.signed(exam=exam, report=report, amended=True, actor=actor)
    return report


@transaction.atomic
def access_log_record(*, user, exam: w.Exam, what: str = "identity") -> w.AccessLog:
    return _create(w.AccessLog, user, user=user, exam=exam, what=what)


# critical findings live in their own module (they outlive the report); re-exported here
from .findings import (  # noqa: E402
    REMINDER_EVERY,
    communication_record,
    finding_close,
    finding_flag,
    findings_remind,
    open_findings,
)

# what the interfaces change (HL7 updates, cancels, merges) lives in ``orders``; re-exported here
from .orders import (  # noqa: E402
    exam_update,
    order_cancel,
    order_update,
    patient_identity_update,
    patients_merge,
)

__all__ = [  # the names above are part of this module's interface
    "REMINDER_EVERY",
    "exam_update",
    "order_cancel",
    "order_update",
    "patient_identity_update",
    "patients_merge",
    "communication_record",
    "finding_close",
    "finding_flag",
    "findings_remind",
    "open_findings",
]
