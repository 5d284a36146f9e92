"""Patients: pseudonymised (the PSEUDED label, the pseudonym, no name, birth date or NIR)
except for the radiologist who holds one of their exams now, whose every display is logged;
the INS-NIR only for a qualified identity."""

import json

from pimm.interop.fhir import clinical
from pimm.interop.fhir import systems as sid
from pimm.interop.fhir.kinds import Ctx
from pimm.worklist import models as w
from pimm.worklist import services
from tests.interop.fhir.conftest import ids


def _identity_logs(exam) -> int:
    return w.AccessLog.objects.filter(exam=exam, what="identity (FHIR)").count()


def test_the_platform_sees_a_pseudonym_only(clinic, fhir):
    p = clinic.patient_a
    for persona in ("coordinator", "reviewer", "manager_a", "technologist_a"):
        status, body = fhir(persona, f"/fhir/Patient/{p.pk}")
        assert status == 200
        assert body["meta"]["security"][0]["code"] == "PSEUDED"
        assert body["identifier"] == [
            {"use": "secondary", "system": sid.PSEUDONYM, "value": p.pseudonym}
        ]
        text = json.dumps(body)
        for secret in (p.family_name, p.given_name, p.birth_date.isoformat(), p.nir):
            assert secret not in text, (persona, secret)
    assert _identity_logs(clinic.exam_a) == 0


def test_the_reader_holding_the_exam_sees_the_identity_and_it_is_logged(clinic, fhir):
    p = clinic.patient_a
    status, body = fhir("radiologist_a", f"/fhir/Patient/{p.pk}")
    assert status == 200
    assert "meta" not in body
    assert body["name"][0]["family"] == "Lefebvre"
    assert body["birthDate"] == "1970-03-04"
    assert sid.INS_NIR not in json.dumps(body)  # the identity is not qualified
    assert _identity_logs(clinic.exam_a) == 1
    _s, bundle = fhir("radiologist_a", f"/fhir/Patient?_id={p.pk}")
    assert bundle["entry"][0]["resource"]["name"][0]["given"] == ["Claire"]
    assert _identity_logs(clinic.exam_a) == 2


def test_after_signing_the_reader_sees_a_pseudonym_again(clinic, fhir):
    signed = clinic.exam_signed.patient
    status, body = fhir("radiologist_a", f"/fhir/Patient/{signed.pk}")
    assert status == 200
    assert body["meta"]["security"][0]["code"] == "PSEUDED"
    assert signed.family_name not in json.dumps(body)


def test_the_identity_goes_when_the_exam_is_taken_back(clinic, fhir):
    exam = clinic.exam_a
    exam.refresh_from_db()
    assert services.exam_assign(
        exam_id=exam.pk, reader_id=None, expected_version=exam.routing_version, at=exam.ready_at
    )
    status, body = fhir("radiologist_a", f"/fhir/Patient/{clinic.patient_a.pk}")
    assert status == 404  # no exam of theirs any more: not even the pseudonym
    assert body["resourceType"] == "OperationOutcome"


def test_ins_only_for_a_qualified_identity(world, clinic):
    ctx = Ctx(world.users["radiologist_a"])
    patient = w.Patient.objects.get(pk=clinic.patient_a.pk)
    shown = clinical.PATIENT.validate(clinical._patient(patient, ctx))
    assert [i.system for i in shown.identifier] == [sid.PSEUDONYM]
    patient.identity_reliability = clinical.QUALIFIED
    shown = clinical.PATIENT.validate(clinical._patient(patient, ctx))
    ins = shown.identifier[0]
    assert (ins.system, ins.value, ins.type.coding[0].code) == (sid.INS_NIR, patient.nir, "INS-NIR")
    # a qualified identity is still pseudonymised for whoever may not see it
    coordinator = Ctx(world.users["coordinator"])
    hidden = clinical.PATIENT.validate(clinical._patient(patient, coordinator))
    assert [i.system for i in hidden.identifier] == [sid.PSEUDONYM]


def test_other_resources_name_the_patient_by_reference_only(clinic, fhir):
    p = clinic.patient_a
    for url in (
        f"/fhir/ServiceRequest/{clinic.order_a.pk}",
        f"/fhir/ImagingStudy/{clinic.exam_a.pk}",
    ):
        _s, body = fhir("radiologist_a", url)
        assert body["subject"] == {"reference": f"Patient/{p.pk}"}
        assert p.family_name not in json.dumps(body)
    _s, bundle = fhir("coordinator", f"/fhir/Patient?identifier={p.pseudonym}")
    assert ids(bundle) == [str(p.pk)]
