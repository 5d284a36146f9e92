"""FHIR fixtures: a small clinical world on top of the demo (two patients and their orders and
exams, of member A and of member B; A's exam held by radiologist_a; a report of A signed by
them), a client that speaks FHIR for a persona, and a check that every body is valid FHIR."""

import datetime as dt
import json
from dataclasses import dataclass

import pytest
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class

from pimm.accounts.services import api_token_create
from pimm.planning import models as pm
from pimm.worklist import models as w
from pimm.worklist import services
from tests import clock

FHIR_JSON = "application/fhir+json; charset=utf-8"


@dataclass
class Clinic:
    reader: object  # radiologist_a's practitioner profile
    patient_a: w.Patient
    patient_b: w.Patient
    order_a: w.Order
    order_b: w.Order
    exam_a: w.Exam  # held by radiologist_a now (identity shown to them)
    exam_b: w.Exam  # member B's, waiting
    exam_signed: w.Exam  # member A's, signed by radiologist_a
    report: w.Report  # its report, signed
    draft: w.Report  # a draft on exam_a: never served
    slot: pm.Slot  # a published slot


def _patient(family: str, given: str, birth: dt.date, nir: str) -> w.Patient:
    return services.patient_get_or_create(
        family_name=family, given_name=given, birth_date=birth, nir=nir
    )


def _exam(order, at, uid, accession):
    exam = services.exam_create(
        order=order,
        modality="CT",
        exam_type="TDM thoracique",
        scheduled_at=at - dt.timedelta(minutes=30),
        performed_at=at,
        study_uid=uid,
    )
    w.Exam.objects.filter(pk=exam.pk).update(accession_number=accession)
    exam.refresh_from_db()
    return exam


def _hold(exam, reader, at):
    exam.refresh_from_db()
    assert services.exam_assign(
        exam_id=exam.pk, reader_id=reader.pk, expected_version=exam.routing_version, at=at
    )
    exam.refresh_from_db()
    return exam


@pytest.fixture
def clinic(world) -> Clinic:
    classes = {pc.code: pc for pc in services.priority_classes_ensure(platform=world.platform)}
    reader = world.users["radiologist_a"].practitioner
    now = clock.NOW
    patient_a = _patient("Lefebvre", "Claire", dt.date(1970, 3, 4), "270037512345678")
    patient_b = _patient("Moreau", "Paul", dt.date(1962, 11, 20), "162116912345612")
    order_a = services.order_create(
        patient=patient_a,
        site=world.site_a,
        priority=classes["emergency"],
        requested_at=now - dt.timedelta(days=2),
        requester="Dr Urgentiste",
        indication="Douleur thoracique",
    )
    order_b = services.order_create(
        patient=patient_b,
        site=world.site_b,
        priority=classes["outpatient"],
        requested_at=now - dt.timedelta(days=1),
    )
    w.Order.objects.filter(pk=order_a.pk).update(placer_number="CMD-A-1")
    w.Order.objects.filter(pk=order_b.pk).update(placer_number="CMD-B-1")
    order_a.refresh_from_db()
    order_b.refresh_from_db()
    exam_a = _exam(order_a, now - dt.timedelta(hours=3), "1.2.250.1.999.77.1", "ACC-A-1")
    exam_b = _exam(order_b, now - dt.timedelta(hours=2), "1.2.250.1.999.77.2", "ACC-B-1")
    order_s = services.order_create(
        patient=_patient("Girard", "Anne", dt.date(1985, 6, 1), "285067512345600"),
        site=world.site_a,
        priority=classes["inpatient"],
        requested_at=now - dt.timedelta(days=3),
    )
    exam_signed = _exam(order_s, now - dt.timedelta(days=3), "1.2.250.1.999.77.3", "ACC-A-2")
    _hold(exam_signed, reader, now - dt.timedelta(hours=5))
    services.report_save(exam=exam_signed, reader=reader, text="Pas d'anomalie.")
    report = services.report_sign(exam=exam_signed, reader=reader, at=now - dt.timedelta(hours=4))
    exam_signed.refresh_from_db()
    exam_a = _hold(exam_a, reader, now - dt.timedelta(hours=1))
    draft = services.report_save(exam=exam_a, reader=reader, text="En cours")
    slot = pm.Slot.objects.filter(plan__status="published", booking__isnull=True).order_by("pk")[0]
    return Clinic(
        reader,
        patient_a,
        patient_b,
        order_a,
        order_b,
        exam_a,
        exam_b,
        exam_signed,
        report,
        draft,
        slot,
    )


def check_fhir(response):
    """The body is valid FHIR (its fhir.resources R4B class accepts it) in fhir+json."""
    assert response["Content-Type"] == FHIR_JSON, response["Content-Type"]
    body = json.loads(response.content)
    model = get_fhir_model_class(body["resourceType"])
    model.model_validate(body)
    if body["resourceType"] == "Bundle":
        for entry in body.get("entry", []):
            resource = entry["resource"]
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return body


@pytest.fixture
def fhir(client_for):
    """``fhir(persona, url)``: GET as that persona, checked to be FHIR; returns (status, body)."""

    def get(persona, url, **headers):
        response = client_for(persona).get(url, **headers)
        return response.status_code, check_fhir(response)

    return get


@pytest.fixture
def bearer(world):
    _token, raw = api_token_create(user=world.users["coordinator"], name="fhir")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def ids(bundle) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


def anonymous() -> Client:
    return Client()
