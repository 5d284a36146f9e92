"""The Modality Worklist SCP, queried by dcmtk's findscu (and echoscu for C-ECHO)."""

import datetime as dt

import pytest

from pimm.interop.dicom import worklist as mwl
from tests import clock
from tests.interop.dicom.conftest import AE
from tests.interop.dicom.tools import echoscu, findscu

pytestmark = pytest.mark.django_db


def _accessions(found):
    return sorted(str(ds.AccessionNumber) for ds in found)


def test_echo_known_ae_succeeds_unknown_is_rejected(booked, dicom_server):
    ok = echoscu(dicom_server.port, AE)
    assert ok.returncode == 0, ok.stderr
    refused = echoscu(dicom_server.port, "NOBODY")
    assert refused.returncode != 0
    assert "Rejected" in refused.stderr or "reject" in refused.stderr.lower()


def test_inactive_channel_is_rejected(booked, dicom_server):
    booked.channel.active = False
    booked.channel.save()
    assert echoscu(dicom_server.port, AE).returncode != 0


def test_universal_query_answers_only_this_device_scheduled_or_arrived(
    booked, dicom_server, tmp_path
):
    found, proc = findscu(dicom_server.port, AE, {}, tmp_path)
    assert proc.returncode == 0, proc.stderr
    # not member B's, not another device's, not the exam already in progress
    assert _accessions(found) == ["ACC-T1", "ACC-T2", "ACC-T3"]


def test_answer_carries_identity_pseudonym_and_schedule(booked, dicom_server, tmp_path):
    found, _ = findscu(dicom_server.port, AE, {"AccessionNumber": "ACC-T2"}, tmp_path)
    assert len(found) == 1
    ds = found[0]
    exam = booked.ct_tomorrow
    assert str(ds.PatientName) == "LEFÈVRE^Noël"  # UTF-8 (ISO_IR 192) keeps the accents
    assert ds.PatientID == exam.patient.pseudonym  # never the NIR
    assert "253072B07300470" not in str(ds)
    assert ds.PatientSex == "F"  # NIR starting with 2
    assert ds.StudyInstanceUID == exam.study_uid
    step = ds.ScheduledProcedureStepSequence[0]
    assert step.Modality == "CT"
    assert step.ScheduledStationAETitle == AE
    tomorrow = clock.TODAY + dt.timedelta(days=1)
    assert step.ScheduledProcedureStepStartDate == tomorrow.strftime("%Y%m%d")
    assert step.ScheduledProcedureStepStartTime == "093000"


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({"AccessionNumber": "ACC-T1"}, ["ACC-T1"]),
        ({"AccessionNumber": "ACC-T*"}, ["ACC-T1", "ACC-T2", "ACC-T3"]),
        ({"AccessionNumber": "ACC-B1"}, []),  # member B's exam: nothing leaks
        ({"ScheduledProcedureStepSequence[0].Modality": "CT"}, ["ACC-T1", "ACC-T2", "ACC-T3"]),
        ({"ScheduledProcedureStepSequence[0].Modality": "MR"}, []),
        (
            {"ScheduledProcedureStepSequence[0].ScheduledStationAETitle": AE},
            ["ACC-T1", "ACC-T2", "ACC-T3"],
        ),
        ({"ScheduledProcedureStepSequence[0].ScheduledStationAETitle": "OTHER"}, []),
        (
            {"ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartTime": "1500-1700"},
            ["ACC-T3"],
        ),
        ({"PatientName": "LEF*"}, ["ACC-T2"]),
    ],
)
def test_matching_keys(booked, dicom_server, tmp_path, keys, expected):
    found, proc = findscu(dicom_server.port, AE, keys, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert _accessions(found) == expected


def test_date_keys_single_day_and_ranges(booked, dicom_server, tmp_path):
    today = clock.TODAY.strftime("%Y%m%d")
    tomorrow = (clock.TODAY + dt.timedelta(days=1)).strftime("%Y%m%d")
    key = "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate"
    cases = {
        today: ["ACC-T1", "ACC-T3"],
        tomorrow: ["ACC-T2"],
        f"{today}-{tomorrow}": ["ACC-T1", "ACC-T2", "ACC-T3"],
        f"{tomorrow}-": ["ACC-T2"],
        f"-{today}": ["ACC-T1", "ACC-T3"],
    }
    for value, expected in cases.items():
        found, _ = findscu(dicom_server.port, AE, {key: value}, tmp_path / value)
        assert _accessions(found) == expected, value


def test_patient_id_key(booked, dicom_server, tmp_path):
    pid = booked.ct_today.patient.pseudonym
    found, _ = findscu(dicom_server.port, AE, {"PatientID": pid}, tmp_path)
    # the same patient (same identity) has ACC-T1 and the decoys; only this device's answers
    assert _accessions(found) == ["ACC-T1"]


def test_malformed_date_is_refused_and_the_server_keeps_serving(booked, dicom_server, tmp_path):
    key = "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate"
    found, proc = findscu(dicom_server.port, AE, {key: "2027-13-45"}, tmp_path / "bad")
    assert found == []
    said = (proc.stderr + proc.stdout).lower()
    assert "failed: unabletoprocess" in said, said
    found, proc = findscu(dicom_server.port, AE, {"AccessionNumber": "ACC-T1"}, tmp_path / "ok")
    assert _accessions(found) == ["ACC-T1"]


def test_matching_rules_unit():
    assert mwl.matches("", "x") and mwl.matches("*", "")
    assert mwl.matches("DU?ONT", "DUPONT") and not mwl.matches("DU?ONT", "DUPONTS")
    assert mwl.date_range("20270112-") == (dt.date(2027, 1, 12), None)
    with pytest.raises(mwl.QueryError):
        mwl.date_range("20271345")
