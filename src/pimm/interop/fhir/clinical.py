"""The clinical resources: Patient, ServiceRequest (orders), ImagingStudy (exams) and
DiagnosticReport (signed and amended reports). Rows come from the worklist's access table and
selectors: a member's staff read their member's, a radiologist the exams assigned to (or signed
by) them, the platform everything.

Patients are pseudonymised (their pseudonym, and the ``PSEUDED`` security label) unless the
caller may see the identity by the web's own rule (``worklist.access.shows_identity``: the
reader who holds one of their exams now); every identity shown is written to the access log,
as the exam page does. The INS is carried only for a qualified identity."""

from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.imagingstudy import ImagingStudy
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.servicerequest import ServiceRequest

from pimm.interop.fhir import systems as sid
from pimm.interop.fhir.kinds import Ctx, Kind, Part, ident, identifier_q, instant, ref
from pimm.worklist import access as worklist_access
from pimm.worklist import models as w
from pimm.worklist import selectors as worklist_selectors
from pimm.worklist import services as worklist_services

S = w.Exam.Status
QUALIFIED = "VALI"  # FR Core identityReliability: identity qualified (INS allowed)


# -- Patient -----------------------------------------------------------------------------------


def identity_exam(patient: w.Patient, ctx: Ctx) -> w.Exam | None:
    """The exam through which this caller may see who the patient is, if any."""
    if ctx.reader is None:
        return None
    for exam in worklist_selectors.exams_of_patient(patient=patient):
        if worklist_access.shows_identity(ctx.user, exam):
            return exam
    return None


def qualified(patient: w.Patient) -> bool:
    """Whether the identity is qualified (INS checked against the national service). The
    worklist keeps the status as ``identity_reliability`` once the HIS feed records it; a
    patient without it is never qualified, so no INS leaves."""
    return getattr(patient, "identity_reliability", "") == QUALIFIED


def _patient(p: w.Patient, ctx: Ctx) -> dict:
    ids = [ident(sid.PSEUDONYM, p.pseudonym, use="secondary")]
    exam = identity_exam(p, ctx)
    if exam is None:
        return {
            "resourceType": "Patient",
            "id": str(p.pk),
            "meta": {"security": [{"system": sid.V3_OBSERVATION_VALUE, "code": "PSEUDED"}]},
            "identifier": ids,
        }
    if qualified(p) and p.nir:
        ids.insert(0, ident(sid.INS_NIR, p.nir, "INS-NIR", sid.FR_V2_0203, use="official"))
    return {
        "resourceType": "Patient",
        "id": str(p.pk),
        "identifier": ids,
        "name": [{"use": "official", "family": p.family_name, "given": [p.given_name]}],
        "birthDate": p.birth_date.isoformat(),
    }


def _patients_seen(patients: list, ctx: Ctx) -> None:
    """Every identity the API showed goes to the access log (who, when, which exam)."""
    for p in patients:
        exam = identity_exam(p, ctx)
        if exam is not None:
            worklist_services.access_log_record(user=ctx.user, exam=exam, what="identity (FHIR)")


PATIENT = Kind(
    "Patient",
    Patient,
    (
        Part(
            worklist_selectors.patients_for,
            _patient,
            identifier=lambda system, value: identifier_q(
                {sid.PSEUDONYM: ("pseudonym",)}, system, value
            ),
            seen=_patients_seen,
        ),
    ),
    profile="Pseudonymisé (étiquette PSEUDED) sauf pour le radiologue qui détient un de ses "
    "examens ; INS-NIR seulement pour une identité qualifiée.",
)


# -- ServiceRequest ----------------------------------------------------------------------------

_CLOSED = (S.SIGNED, S.CANCELLED)
PRIORITY = {
    "life_threatening": "stat",
    "emergency": "urgent",
    "inpatient": "asap",
    "outpatient": "routine",
}


def _orders_prepare(qs):
    return qs.annotate(
        fhir_open=Count("exams", filter=~Q(exams__status__in=_CLOSED), distinct=True),
        fhir_signed=Count("exams", filter=Q(exams__status=S.SIGNED), distinct=True),
    ).prefetch_related("exams")


def _order_status(o: w.Order) -> str:
    if o.fhir_open:
        return "active"
    return "completed" if o.fhir_signed else "revoked"


def _placer_identifier(system, value) -> Q:
    if system is None:
        return Q(placer_number=value) if value else Q(pk__in=[])
    prefix = sid.placer("")
    if not system.startswith(prefix) or not value:
        return Q(pk__in=[])
    return Q(member__code=system[len(prefix) :], placer_number=value)


def _order(o: w.Order, ctx: Ctx) -> dict:
    exams = list(o.exams.all())
    kinds = sorted({e.exam_type or e.modality for e in exams})
    return {
        "resourceType": "ServiceRequest",
        "id": str(o.pk),
        "identifier": [
            ident(
                sid.placer(o.member.code),
                o.placer_number,
                "PLAC",
                sid.V2_0203,
                assigner=ref("Organization", o.member_id, "member-"),
            )
        ]
        if o.placer_number
        else None,
        "status": _order_status(o),
        "intent": "order",
        "priority": PRIORITY.get(o.priority.code, "routine"),
        "code": {"text": ", ".join(kinds)} if kinds else None,
        "subject": ref("Patient", o.patient_id),
        "authoredOn": instant(o.requested_at),
        "requester": {"display": o.requester} if o.requester else None,
        "reasonCode": [{"text": o.indication}] if o.indication else None,
        "locationReference": [ref("Location", o.site_id, display=o.site.name)],
        "performer": [ref("Organization", o.member_id, "member-", o.member.name)],
    }


SERVICE_REQUEST = Kind(
    "ServiceRequest",
    ServiceRequest,
    (
        Part(
            worklist_selectors.orders_for,
            _order,
            identifier=_placer_identifier,
            dates={"date": "requested_at", "authored": "requested_at"},
            statuses={
                "active": Q(fhir_open__gt=0),
                "completed": Q(fhir_open=0, fhir_signed__gt=0),
                "revoked": Q(fhir_open=0, fhir_signed=0),
            },
            prepare=_orders_prepare,
        ),
    ),
    profile="Les demandes d'examen ; identifiant PLAC = numéro de demande de l'émetteur (ORC-2).",
)


# -- ImagingStudy ------------------------------------------------------------------------------

STUDY_STATUS = {
    "registered": (S.SCHEDULED, S.ARRIVED, S.IN_PROGRESS),
    "available": (S.PERFORMED, S.IMAGES_AVAILABLE, S.ASSIGNED, S.READ, S.SIGNED),
    "cancelled": (S.CANCELLED,),
}
_STUDY_OF = {s: code for code, statuses in STUDY_STATUS.items() for s in statuses}


def _exams_prepare(qs):
    return qs.select_related("order", "site").annotate(
        fhir_started=Coalesce("ready_at", "scheduled_at")
    )


def _study_identifier(system, value) -> Q:
    uid = value.removeprefix("urn:oid:")
    q = Q(pk__in=[])
    if system in (None, sid.DICOM_UID) and uid:
        q |= Q(study_uid=uid)
    if system in (None, sid.ACCESSION):
        q |= Q(accession_number=value)
    return q if value else Q(pk__in=[])


def _modality_coding(code: str) -> dict:
    return {"system": sid.DCM, "code": sid.DICOM_MODALITY.get(code, code)}


def _study(e: w.Exam, ctx: Ctx) -> dict:
    ids = []
    if e.study_uid:
        ids.append(ident(sid.DICOM_UID, f"urn:oid:{e.study_uid}"))
    if e.accession_number:
        ids.append(ident(sid.ACCESSION, e.accession_number, "ACSN", sid.V2_0203))
    return {
        "resourceType": "ImagingStudy",
        "id": str(e.pk),
        "identifier": ids or None,
        "status": _STUDY_OF.get(e.status, "unknown"),
        "modality": [_modality_coding(e.modality)],
        "subject": ref("Patient", e.patient_id),
        "started": instant(e.fhir_started),
        "basedOn": [ref("ServiceRequest", e.order_id)],
        "interpreter": [ref("Practitioner", e.reader_id)] if e.reader_id else None,
        "location": ref("Location", e.site_id, display=e.site.name),
        "description": e.exam_type or None,
    }


def _study_statuses() -> dict[str, Q]:
    return {code: Q(status__in=statuses) for code, statuses in STUDY_STATUS.items()}


IMAGING_STUDY = Kind(
    "ImagingStudy",
    ImagingStudy,
    (
        Part(
            worklist_access.visible_exams,
            _study,
            identifier=_study_identifier,
            dates={"date": "fhir_started", "started": "fhir_started"},
            statuses=_study_statuses(),
            prepare=_exams_prepare,
        ),
    ),
    profile="Les examens : Study Instance UID (urn:dicom:uid) et numéro d'accession (ACSN).",
)


# -- DiagnosticReport --------------------------------------------------------------------------

REPORT_STATUS = {w.Report.Status.SIGNED: "final", w.Report.Status.AMENDED: "amended"}


def _reports_prepare(qs):
    return qs.select_related("exam").annotate(
        fhir_effective=Coalesce("exam__ready_at", "exam__scheduled_at")
    )


def _report(r: w.Report, ctx: Ctx) -> dict:
    e = r.exam
    return {
        "resourceType": "DiagnosticReport",
        "id": str(r.pk),
        "identifier": [ident(sid.ACCESSION, e.accession_number, "ACSN", sid.V2_0203)]
        if e.accession_number
        else None,
        "basedOn": [ref("ServiceRequest", e.order_id)],
        "status": REPORT_STATUS[r.status],
        "category": [{"coding": [{"system": sid.V2_0074, "code": "RAD", "display": "Radiology"}]}],
        "code": {
            "coding": [
                {"system": sid.LOINC, "code": "18748-4", "display": "Diagnostic imaging study"}
            ],
            "text": e.exam_type or "Compte rendu d'imagerie",
        },
        "subject": ref("Patient", e.patient_id),
        "effectiveDateTime": instant(r.fhir_effective),
        "issued": instant(r.signed_at),
        "resultsInterpreter": [ref("Practitioner", r.signed_by_id)] if r.signed_by_id else None,
        "imagingStudy": [ref("ImagingStudy", e.pk)],
        "conclusion": r.text or None,
    }


DIAGNOSTIC_REPORT = Kind(
    "DiagnosticReport",
    DiagnosticReport,
    (
        Part(
            worklist_selectors.signed_reports_for,
            _report,
            identifier=lambda system, value: identifier_q(
                {sid.ACCESSION: ("exam__accession_number",)}, system, value
            ),
            dates={"date": "fhir_effective", "issued": "signed_at"},
            statuses={code: Q(status=status) for status, code in REPORT_STATUS.items()},
            prepare=_reports_prepare,
        ),
    ),
    profile="Les comptes rendus signés (final) et amendés (amended), jamais un brouillon.",
)

KINDS = (PATIENT, SERVICE_REQUEST, IMAGING_STUDY, DIAGNOSTIC_REPORT)
