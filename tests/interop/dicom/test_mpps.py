"""The MPPS SCP driven by pynetdicom's SCU: in progress, completed with dose, discontinued,
repeated N-CREATE, N-SET after the end, another member's exam, malformed datasets, and the
association limit."""

import contextlib
import socket
import time
from decimal import Decimal

import pytest
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid
from pynetdicom import AE
from pynetdicom.sop_class import ModalityPerformedProcedureStep, Verification

from pimm.interop.dicom.models import DoseRecord, PerformedStep
from pimm.worklist import models as w
from tests.interop.dicom.conftest import AE as MOD_AE

pytestmark = pytest.mark.django_db
MPPS = ModalityPerformedProcedureStep


def _assoc(port, aet=MOD_AE):
    ae = AE(ae_title=aet)
    ae.add_requested_context(MPPS)
    ae.add_requested_context(Verification)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 20
    return ae.associate("127.0.0.1", port, ae_title="PIMM")


def _in_progress(accession):
    ds = Dataset()
    ds.PerformedProcedureStepStatus = "IN PROGRESS"
    ds.Modality = "CT"
    ds.PerformedStationAETitle = MOD_AE
    step = Dataset()
    step.AccessionNumber = accession
    step.StudyInstanceUID = generate_uid()
    ds.ScheduledStepAttributesSequence = [step]
    ds.PerformedProcedureStepStartDate = "20270112"
    ds.PerformedProcedureStepStartTime = "100000"
    return ds


def _completed(*, ctdivol=None, dlp=None, dap=None, series=1):
    ds = Dataset()
    ds.PerformedProcedureStepStatus = "COMPLETED"
    ds.PerformedSeriesSequence = []
    for i in range(series):
        s = Dataset()
        s.SeriesInstanceUID = generate_uid()
        s.SeriesDescription = f"Série {i + 1}"
        s.ProtocolName = "Thorax"
        img = Dataset()
        img.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
        img.ReferencedSOPInstanceUID = generate_uid()
        s.ReferencedImageSequence = [img]
        ds.PerformedSeriesSequence.append(s)
    if ctdivol is not None:
        ds.CTDIvol = ctdivol
    if dlp is not None:
        ds.CommentsOnRadiationDose = f"DLP={dlp}"
    if dap is not None:
        ds.ImageAndFluoroscopyAreaDoseProduct = dap
    return ds


def _create(assoc, uid, ds):
    status, _ = assoc.send_n_create(ds, MPPS, uid)
    return status.Status, status.get("ErrorComment", "")


def _set(assoc, uid, ds):
    status, _ = assoc.send_n_set(ds, MPPS, uid)
    return status.Status, status.get("ErrorComment", "")


def _status(exam):
    return w.Exam.objects.get(pk=exam.pk).status


def test_in_progress_then_completed_with_series_and_dose(booked, dicom_server):
    exam = booked.ct_today
    uid = generate_uid()
    assoc = _assoc(dicom_server.port)
    assert assoc.is_established
    try:
        assert _create(assoc, uid, _in_progress("ACC-T1"))[0] == 0x0000
        assert _status(exam) == "in_progress"
        assert _set(assoc, uid, _completed(ctdivol=12.5, dlp=480.0, series=2))[0] == 0x0000
    finally:
        assoc.release()
    assert _status(exam) == "performed"
    step = PerformedStep.objects.get(sop_instance_uid=uid)
    assert step.status == "COMPLETED" and step.exam_id == exam.pk
    assert [s["images"] for s in step.series] == [1, 1]
    dose = DoseRecord.objects.get(exam_id=exam.pk)
    assert dose.ctdivol == Decimal("12.50") and dose.dlp == Decimal("480.00")
    assert dose.dap is None
    assert not dose.above_nrd  # no citable CT reference level ships: nothing is compared
    events = list(
        w.ExamEvent.objects.filter(exam_id=exam.pk)
        .order_by("pk")
        .values_list("to_status", flat=True)
    )
    assert events[-3:] == ["arrived", "in_progress", "performed"]


def test_repeated_n_create_answers_0111_and_creates_nothing(booked, dicom_server):
    uid = generate_uid()
    assoc = _assoc(dicom_server.port)
    try:
        assert _create(assoc, uid, _in_progress("ACC-T1"))[0] == 0x0000
        events = w.ExamEvent.objects.filter(exam_id=booked.ct_today.pk).count()
        assert _create(assoc, uid, _in_progress("ACC-T1"))[0] == 0x0111
    finally:
        assoc.release()
    assert PerformedStep.objects.filter(sop_instance_uid=uid).count() == 1
    assert w.ExamEvent.objects.filter(exam_id=booked.ct_today.pk).count() == events


def test_discontinued_goes_back_to_scheduled_with_the_reason(booked, dicom_server):
    uid = generate_uid()
    exam = booked.arrived
    stop = Dataset()
    stop.PerformedProcedureStepStatus = "DISCONTINUED"
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator = "110514", "DCM"
    code.CodeMeaning = "Incorrect worklist entry selected"
    stop.PerformedProcedureStepDiscontinuationReasonCodeSequence = [code]
    assoc = _assoc(dicom_server.port)
    try:
        assert _create(assoc, uid, _in_progress("ACC-T3"))[0] == 0x0000
        assert _status(exam) == "in_progress"
        assert _set(assoc, uid, stop)[0] == 0x0000
        # after DISCONTINUED (or COMPLETED), any N-SET is refused
        status, comment = _set(assoc, uid, _completed(ctdivol=3))
        assert status == 0xC310 and comment
    finally:
        assoc.release()
    assert _status(exam) == "scheduled"
    step = PerformedStep.objects.get(sop_instance_uid=uid)
    assert step.status == "DISCONTINUED"
    assert step.reason == "Incorrect worklist entry selected"
    last = w.ExamEvent.objects.filter(exam_id=exam.pk).order_by("pk").last()
    assert last.to_status == "scheduled" and "Incorrect worklist entry" in last.note
    assert not DoseRecord.objects.filter(exam_id=exam.pk).exists()


def test_n_set_after_completed_is_refused(booked, dicom_server):
    uid = generate_uid()
    assoc = _assoc(dicom_server.port)
    try:
        _create(assoc, uid, _in_progress("ACC-T1"))
        assert _set(assoc, uid, _completed())[0] == 0x0000
        assert _set(assoc, uid, _completed(ctdivol=99))[0] == 0xC310
    finally:
        assoc.release()
    assert not DoseRecord.objects.filter(exam_id=booked.ct_today.pk).exists()
    assert _status(booked.ct_today) == "performed"


def test_other_members_exam_is_refused_and_unchanged(booked, dicom_server):
    assoc = _assoc(dicom_server.port)
    try:
        status, comment = _create(assoc, generate_uid(), _in_progress("ACC-B1"))
        unknown, comment2 = _create(assoc, generate_uid(), _in_progress("NOPE"))
    finally:
        assoc.release()
    assert status == 0x0106 and comment == comment2  # the same answer as an unknown number
    assert _status(booked.other_member) == "scheduled"
    assert not PerformedStep.objects.exists()


def test_n_set_of_unknown_instance(booked, dicom_server):
    assoc = _assoc(dicom_server.port)
    try:
        assert _set(assoc, generate_uid(), _completed())[0] == 0x0112
    finally:
        assoc.release()


@pytest.mark.parametrize(
    "mutate",
    [
        lambda ds: delattr(ds, "PerformedProcedureStepStatus"),
        lambda ds: setattr(ds, "PerformedProcedureStepStatus", "FINISHED"),
        lambda ds: setattr(ds, "PerformedProcedureStepStatus", "COMPLETED"),
        lambda ds: delattr(ds, "ScheduledStepAttributesSequence"),
    ],
)
def test_malformed_n_create_is_refused_and_server_keeps_serving(booked, dicom_server, mutate):
    ds = _in_progress("ACC-T1")
    mutate(ds)
    assoc = _assoc(dicom_server.port)
    try:
        status, comment = _create(assoc, generate_uid(), ds)
        assert status in (0x0106, 0x0120) and comment
        assert assoc.send_c_echo().Status == 0x0000
    finally:
        assoc.release()
    assert _status(booked.ct_today) == "scheduled"


def test_unreadable_dose_refuses_the_n_set(booked, dicom_server):
    uid = generate_uid()
    bad = _completed()
    bad.CommentsOnRadiationDose = "DLP=12"
    bad.ImageAndFluoroscopyAreaDoseProduct = "-5"
    assoc = _assoc(dicom_server.port)
    try:
        _create(assoc, uid, _in_progress("ACC-T1"))
        assert _set(assoc, uid, bad)[0] == 0x0106
    finally:
        assoc.release()
    assert _status(booked.ct_today) == "in_progress"


def test_raw_junk_does_not_stop_the_server(booked, dicom_server):
    for junk in (b"\x00" * 10, b"GET / HTTP/1.0\r\n\r\n", b"\x01\x00" + b"\xff" * 200):
        with socket.create_connection(("127.0.0.1", dicom_server.port), timeout=5) as s:
            s.sendall(junk)
            s.settimeout(5)
            with contextlib.suppress(TimeoutError, ConnectionError):
                s.recv(100)
    # the junk connections are closed: their slots come back within seconds
    deadline = time.monotonic() + 15
    while True:
        assoc = _assoc(dicom_server.port)
        if assoc.is_established or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    try:
        assert assoc.is_established and assoc.send_c_echo().Status == 0x0000
    finally:
        assoc.release()


def test_associations_beyond_the_limit_are_rejected_transient(booked, dicom_server):
    held = [_assoc(dicom_server.port) for _ in range(dicom_server.max_associations)]
    try:
        assert all(a.is_established for a in held)
        extra = _assoc(dicom_server.port)
        assert extra.is_rejected
        rej = extra.acceptor.primitive
        assert (rej.result, rej.result_source, rej.diagnostic) == (0x02, 0x03, 0x02)
    finally:
        for a in held:
            a.release()
    time.sleep(0.5)
    again = _assoc(dicom_server.port)
    assert again.is_established
    again.release()


def test_unknown_calling_ae_is_rejected_permanent(booked, dicom_server):
    assoc = _assoc(dicom_server.port, aet="INTRUDER")
    assert assoc.is_rejected
    rej = assoc.acceptor.primitive
    assert (rej.result, rej.diagnostic) == (0x01, 0x03)
