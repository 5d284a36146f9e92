"""The MPPS SCP's writes (Modality Performed Procedure Step, PS3.4 F.7): N-CREATE IN PROGRESS
puts the exam in progress; N-SET COMPLETED makes it performed and records its series and dose;
N-SET DISCONTINUED puts it back to scheduled with the reason. Each write is one transaction,
through the worklist's services, checked against the calling channel: a channel reaches only
exams of its member, on its sites, booked on its device (or on none).

Doses: CTDIvol (0018,9345, mGy; the largest of the exposures when several are sent), DAP
(0018,115E Image and Fluoroscopy Area Dose Product, dGy·cm² in DICOM, stored in mGy·cm² as the
NRD are), DLP: the MPPS has no attribute for it, so it is read from (0040,0310) Comments on
Radiation Dose as ``DLP=<mGy·cm>`` (the form the CT vendors' MPPS use), or from a private-free
``TotalDLP`` text there."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydicom.dataset import Dataset

from pimm.interop.dicom import nrd
from pimm.interop.dicom.models import DoseRecord, PerformedStep
from pimm.interop.dicom.worklist import DICOM_MODALITY
from pimm.interop.models import Channel
from pimm.worklist import selectors as worklist
from pimm.worklist import services as worklist_services
from pimm.worklist.services import WorklistError

# statuses of PS3.4 F.7 / PS3.7 C
DUPLICATE_INSTANCE = 0x0111
NO_SUCH_INSTANCE = 0x0112
INVALID_ATTRIBUTE_VALUE = 0x0106
MISSING_ATTRIBUTE = 0x0120
PROCESSING_FAILURE = 0x0110
MAY_NO_LONGER_BE_UPDATED = 0xC310

IN_PROGRESS, COMPLETED, DISCONTINUED = "IN PROGRESS", "COMPLETED", "DISCONTINUED"
_DLP = re.compile(r"(?:total\s*)?DLP\s*[=:]\s*([0-9]+(?:[.,][0-9]+)?)", re.IGNORECASE)


@dataclass
class MppsError(Exception):
    """A refused request: the DIMSE status and a French reason (Error Comment, 64 chars)."""

    status: int
    reason: str

    def __str__(self) -> str:
        return self.reason


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        out = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise MppsError(INVALID_ATTRIBUTE_VALUE, _("Valeur de dose illisible.")) from None
    if out < 0 or not out.is_finite():
        raise MppsError(INVALID_ATTRIBUTE_VALUE, _("Valeur de dose négative."))
    return out


def doses_from(ds: Dataset) -> dict[str, Decimal | None]:
    """CTDIvol (mGy), DLP (mGy·cm) and DAP (mGy·cm²) of an MPPS N-SET, None when not sent."""
    ctdi = [ds.get("CTDIvol")]
    for item in ds.get("ExposureDoseSequence") or []:
        ctdi.append(item.get("CTDIvol"))
    values = [v for v in (_decimal(c) for c in ctdi) if v is not None]
    dap = _decimal(ds.get("ImageAndFluoroscopyAreaDoseProduct"))
    comment = str(ds.get("CommentsOnRadiationDose") or "")
    found = _DLP.search(comment)
    return {
        "ctdivol": max(values) if values else None,
        "dlp": _decimal(found.group(1).replace(",", ".")) if found else None,
        "dap": dap * 100 if dap is not None else None,  # dGy·cm² → mGy·cm²
    }


def _series(ds: Dataset) -> list[dict]:
    out = []
    for item in ds.get("PerformedSeriesSequence") or []:
        out.append(
            {
                "uid": str(item.get("SeriesInstanceUID", ""))[:64],
                "description": str(item.get("SeriesDescription", ""))[:64],
                "protocol": str(item.get("ProtocolName", ""))[:64],
                "images": len(item.get("ReferencedImageSequence") or []),
            }
        )
    return out


def _status(ds: Dataset) -> str:
    value = str(ds.get("PerformedProcedureStepStatus", "") or "").strip()
    if not value:
        raise MppsError(MISSING_ATTRIBUTE, _("Statut de l'étape (0040,0252) absent."))
    if value not in (IN_PROGRESS, COMPLETED, DISCONTINUED):
        raise MppsError(INVALID_ATTRIBUTE_VALUE, _("Statut de l'étape inconnu."))
    return value


def _exam_of(channel: Channel, ds: Dataset):
    steps = ds.get("ScheduledStepAttributesSequence") or []
    item = steps[0] if steps else ds
    accession = str(item.get("AccessionNumber", "") or "").strip()
    if not accession:
        raise MppsError(MISSING_ATTRIBUTE, _("Numéro d'accession absent."))
    exams = list(worklist.exams_by_accession(accession_number=accession))
    site_ids = set(channel.sites.values_list("pk", flat=True))
    mine = [
        e
        for e in exams
        if e.member_id == channel.member_id
        and e.site_id in site_ids
        and e.equipment_id in (None, channel.equipment_id)
    ]
    if not mine:
        # the same answer for unknown and for another member's exam: nothing leaks
        raise MppsError(
            INVALID_ATTRIBUTE_VALUE, _("Aucun examen de ce canal pour ce numéro d'accession.")
        )
    if len(mine) > 1:
        raise MppsError(INVALID_ATTRIBUTE_VALUE, _("Numéro d'accession ambigu."))
    return mine[0]


@transaction.atomic
def _create(channel: Channel, sop_instance_uid: str, ds: Dataset) -> PerformedStep:
    if PerformedStep.objects.filter(sop_instance_uid=sop_instance_uid).exists():
        raise MppsError(DUPLICATE_INSTANCE, _("Cette étape MPPS existe déjà."))
    if _status(ds) != IN_PROGRESS:
        raise MppsError(INVALID_ATTRIBUTE_VALUE, _("Une étape se crée « IN PROGRESS »."))
    exam = _exam_of(channel, ds)
    now = timezone.now()
    try:
        if exam.status == "scheduled":
            worklist_services.exam_transition(exam=exam, to="arrived", at=now)
        worklist_services.exam_transition(exam=exam, to="in_progress", at=now)
    except WorklistError:
        raise MppsError(
            PROCESSING_FAILURE, _("L'examen n'est ni programmé ni arrivé : étape refusée.")
        ) from None
    step = PerformedStep(
        sop_instance_uid=sop_instance_uid,
        channel=channel,
        exam=exam,
        status=PerformedStep.Status.IN_PROGRESS,
        started_at=now,
        series=_series(ds),
    )
    step.save()
    return step


def create(*, channel: Channel, sop_instance_uid: str, ds: Dataset) -> PerformedStep:
    """N-CREATE. A second N-CREATE of the same instance (even concurrent) answers 0x0111."""
    sop_instance_uid = (sop_instance_uid or "").strip()
    if not sop_instance_uid or len(sop_instance_uid) > 64:
        raise MppsError(INVALID_ATTRIBUTE_VALUE, _("UID d'instance MPPS invalide."))
    try:
        return _create(channel, sop_instance_uid, ds)
    except IntegrityError:
        raise MppsError(DUPLICATE_INSTANCE, _("Cette étape MPPS existe déjà.")) from None


def _reason(ds: Dataset) -> str:
    for item in ds.get("PerformedProcedureStepDiscontinuationReasonCodeSequence") or []:
        meaning = str(item.get("CodeMeaning", "") or "").strip()
        if meaning:
            return meaning[:200]
    text = str(ds.get("CommentsOnThePerformedProcedureStep", "") or "").strip()
    return text[:200] or _("sans motif transmis")


@transaction.atomic
def update(*, channel: Channel, sop_instance_uid: str, ds: Dataset) -> PerformedStep:
    """N-SET: series while in progress; COMPLETED (performed, dose recorded, compared with the
    NRD) or DISCONTINUED (back to scheduled with the reason). Final steps refuse any N-SET."""
    step = (
        PerformedStep.objects.select_for_update()
        .filter(sop_instance_uid=(sop_instance_uid or "").strip(), channel=channel)
        .select_related("exam")
        .first()
    )
    if step is None:
        raise MppsError(NO_SUCH_INSTANCE, _("Étape MPPS inconnue pour ce canal."))
    if step.status != PerformedStep.Status.IN_PROGRESS:
        raise MppsError(
            MAY_NO_LONGER_BE_UPDATED, _("Étape MPPS terminée : elle ne peut plus changer.")
        )
    status = str(ds.get("PerformedProcedureStepStatus", "") or "").strip() or IN_PROGRESS
    if status not in (IN_PROGRESS, COMPLETED, DISCONTINUED):
        raise MppsError(INVALID_ATTRIBUTE_VALUE, _("Statut de l'étape inconnu."))
    doses = doses_from(ds)  # read before any write: a bad dose refuses the whole N-SET
    series = _series(ds)
    if series:
        step.series = series
    now = timezone.now()
    exam = step.exam
    try:
        if status == COMPLETED:
            worklist_services.exam_transition(exam=exam, to="performed", at=now)
        elif status == DISCONTINUED:
            step.reason = _reason(ds)
            worklist_services.exam_discontinued(exam=exam, reason=step.reason, at=now)
    except WorklistError:
        raise MppsError(PROCESSING_FAILURE, _("L'examen n'est plus en cours.")) from None
    if status != IN_PROGRESS:
        step.status, step.ended_at = status, now
    step.save()
    if status == COMPLETED and any(v is not None for v in doses.values()):
        _dose_record(step, doses, now)
    return step


def _dose_record(step: PerformedStep, doses: dict, at) -> DoseRecord:
    exam = step.exam
    cmp = nrd.compare(DICOM_MODALITY.get(exam.modality, exam.modality), exam.exam_type, doses)
    record = DoseRecord(
        exam=exam,
        step=step,
        member_id=exam.member_id,
        performed_at=at,
        modality=exam.modality,
        exam_type=exam.exam_type,
        ctdivol=doses["ctdivol"],
        dlp=doses["dlp"],
        dap=doses["dap"],
        nrd_exam=cmp.level.exam[:120] if cmp.level else "",
        nrd_quantity=cmp.level.quantity[:20] if cmp.level else "",
        nrd_value=cmp.level.nrd if cmp.level else None,
        measured=cmp.measured,
        above_nrd=cmp.above,
    )
    record.save()
    return record
