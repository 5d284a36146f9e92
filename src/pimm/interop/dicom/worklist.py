"""The Modality Worklist (C-FIND, Modality Worklist Information Model – FIND): the scheduled
and arrived exams booked on the calling modality's device, matched on the usual keys.

What the modality receives. The technologist must check at the device that the patient in
front of them is the one booked (identitovigilance), so the worklist carries the identity:
patient name (FAMILY^Given), birth date and sex. It never carries the NIR/INS (pimm does not
know whether an identity is qualified, so no INS leaves it); the patient ID is pimm's
pseudonym (issuer ``PIMM``), the key the images and the reports are filed under. Only the
channel of the exam's own member, for the device the exam is booked on and a site the channel
speaks for, ever receives an item: another member's modality gets nothing, whatever it asks.

Matching (PS3.4 C.2.2.2): single value, wildcards ``*`` and ``?``, date and time ranges
(``A-B``, ``A-``, ``-B``), universal (empty) keys; the keys used are the scheduled procedure
step start date and time, modality, scheduled station AE title, accession number, patient ID
and patient name. The answer carries the attributes the request asked for.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterator
from functools import lru_cache

from django.conf import settings
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from pimm.interop.models import Channel
from pimm.worklist import selectors as worklist

# registry modalities → DICOM Modality (0008,0060)
DICOM_MODALITY = {"CT": "CT", "MRI": "MR", "PET_CT": "PT", "GAMMA": "NM", "INTERV": "XA"}
PATIENT_ID_ISSUER = "PIMM"
CHARSET = "ISO_IR 192"  # UTF-8: French names keep their accents

TOP_KEYS = (
    "PatientName",
    "PatientID",
    "IssuerOfPatientID",
    "PatientBirthDate",
    "PatientSex",
    "AccessionNumber",
    "ReferringPhysicianName",
    "StudyInstanceUID",
    "RequestedProcedureID",
    "RequestedProcedureDescription",
    "RequestedProcedurePriority",
    "AdmissionID",
    "InstitutionName",
)
STEP_KEYS = (
    "Modality",
    "ScheduledStationAETitle",
    "ScheduledProcedureStepStartDate",
    "ScheduledProcedureStepStartTime",
    "ScheduledProcedureStepID",
    "ScheduledProcedureStepDescription",
    "ScheduledPerformingPhysicianName",
    "ScheduledProcedureStepStatus",
)


class QueryError(ValueError):
    """A request the SCP cannot answer (malformed key): C-FIND status 0xA900 / 0xC000."""


def _tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _text(ds: Dataset, keyword: str) -> str:
    value = ds.get(keyword)
    if value is None:
        return ""
    if isinstance(value, Sequence | list):
        raise QueryError(f"{keyword}: valeur multiple non prise en charge")
    return str(value).strip()


@lru_cache(maxsize=256)
def _pattern(value: str) -> re.Pattern:
    return re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in value),
        re.DOTALL,
    )


def matches(key: str, value: str) -> bool:
    """Single value or wildcard matching of one key (empty or ``*``: universal)."""
    if key in ("", "*"):
        return True
    if "*" in key or "?" in key:
        return _pattern(key).fullmatch(value) is not None
    return key == value


_DATE = re.compile(r"^\d{8}$")
_TIME = re.compile(r"^\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?$")


def _date(text: str) -> dt.date:
    if not _DATE.match(text):
        raise QueryError(f"date invalide : {text!r}")
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise QueryError(f"date invalide : {text!r}") from None


def date_range(key: str) -> tuple[dt.date | None, dt.date | None] | None:
    """``YYYYMMDD``, ``A-B``, ``A-``, ``-B`` → (first, last) day; None for universal."""
    if not key:
        return None
    if "-" in key:
        lo, _, hi = key.partition("-")
        return (_date(lo) if lo else None, _date(hi) if hi else None)
    day = _date(key)
    return day, day


def _time_bounds(key: str) -> tuple[str, str] | None:
    if not key:
        return None
    lo, sep, hi = key.partition("-")
    for part in (lo, hi):
        if part and not _TIME.match(part):
            raise QueryError(f"heure invalide : {key!r}")
    if not sep:
        hi = lo
    return (lo[:6].ljust(6, "0") if lo else "000000", hi[:6].ljust(6, "9") if hi else "999999")


def _sex(nir: str) -> str:
    return {"1": "M", "2": "F"}.get((nir or "")[:1], "O")


def _name(patient) -> str:
    return f"{patient.family_name.upper()}^{patient.given_name}"


def _item(exam, channel: Channel) -> tuple[dict, dict]:
    local = exam.scheduled_at.astimezone(_tz())
    patient = exam.patient
    top = {
        "PatientName": _name(patient),
        "PatientID": patient.pseudonym,
        "IssuerOfPatientID": PATIENT_ID_ISSUER,
        "PatientBirthDate": patient.birth_date.strftime("%Y%m%d"),
        "PatientSex": _sex(patient.nir),
        "AccessionNumber": exam.accession_number,
        "ReferringPhysicianName": exam.order.requester[:64].replace(" ", "^", 1),
        "StudyInstanceUID": exam.study_uid,
        "RequestedProcedureID": str(exam.pk),
        "RequestedProcedureDescription": exam.exam_type[:64],
        "RequestedProcedurePriority": "STAT" if exam.critical else "ROUTINE",
        "AdmissionID": exam.order.placer_number[:64],
        "InstitutionName": exam.site.name[:64],
    }
    step = {
        "Modality": DICOM_MODALITY.get(exam.modality, exam.modality[:16]),
        "ScheduledStationAETitle": channel.ae_title,
        "ScheduledProcedureStepStartDate": local.strftime("%Y%m%d"),
        "ScheduledProcedureStepStartTime": local.strftime("%H%M%S"),
        "ScheduledProcedureStepID": str(exam.pk),
        "ScheduledProcedureStepDescription": exam.exam_type[:64],
        "ScheduledPerformingPhysicianName": "",
        "ScheduledProcedureStepStatus": "SCHEDULED" if exam.status == "scheduled" else "ARRIVED",
    }
    return top, step


def _requested(ds: Dataset, keys: tuple[str, ...]) -> list[str]:
    return [k for k in keys if k in ds]


def find(channel: Channel, identifier: Dataset) -> Iterator[Dataset]:
    """The worklist items of ``channel``'s device matching ``identifier`` (raises
    ``QueryError`` for a malformed request, before yielding anything)."""
    if channel.equipment_id is None:
        return iter(())
    steps = identifier.get("ScheduledProcedureStepSequence")
    step_q = steps[0] if steps else Dataset()
    keys = {k: _text(identifier, k) for k in ("PatientID", "AccessionNumber", "PatientName")}
    step_keys = {
        k: _text(step_q, k)
        for k in ("Modality", "ScheduledStationAETitle", "ScheduledProcedureStepStatus")
    }
    days = date_range(_text(step_q, "ScheduledProcedureStepStartDate"))
    times = _time_bounds(_text(step_q, "ScheduledProcedureStepStartTime"))
    qs = worklist.exams_scheduled_on(
        equipment_id=channel.equipment_id,
        member_id=channel.member_id,
        site_ids=list(channel.sites.values_list("pk", flat=True)),
    )
    tz = _tz()
    if days is not None:
        first, last = days
        if first is not None:
            qs = qs.filter(scheduled_at__gte=dt.datetime.combine(first, dt.time(), tz))
        if last is not None:
            end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz)
            qs = qs.filter(scheduled_at__lt=end)
    for name, lookup in (
        ("AccessionNumber", "accession_number"),
        ("PatientID", "patient__pseudonym"),
    ):
        if keys[name] and "*" not in keys[name] and "?" not in keys[name]:
            qs = qs.filter(**{lookup: keys[name]})
    top_wanted = _requested(identifier, TOP_KEYS)
    step_wanted = _requested(step_q, STEP_KEYS) or list(STEP_KEYS)
    return _answers(qs, channel, keys, step_keys, times, top_wanted, step_wanted, steps)


def _answers(qs, channel, keys, step_keys, times, top_wanted, step_wanted, steps):
    for exam in qs.iterator(chunk_size=500):
        top, step = _item(exam, channel)
        if not all(matches(keys[k], top[k]) for k in keys):
            continue
        if not all(matches(step_keys[k], step[k]) for k in step_keys):
            continue
        if times is not None and not (
            times[0] <= step["ScheduledProcedureStepStartTime"] <= times[1]
        ):
            continue
        ds = Dataset()
        ds.SpecificCharacterSet = CHARSET
        for k in top_wanted:
            setattr(ds, k, top[k])
        if steps is not None:
            item = Dataset()
            for k in step_wanted:
                setattr(item, k, step[k])
            ds.ScheduledProcedureStepSequence = [item]
        yield ds
