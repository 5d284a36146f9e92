"""Every role against one object of each FHIR type, its own member's and the other member's:
the same answers as the web (written by hand from the rooms' access tables), 404 for
forbidden and missing alike, 401 signed out; and a search never returns what a read refuses."""

import pytest
from django.test import Client

from tests.interop.fhir.conftest import ids
from tests.personas import HIDDEN, OK, TWO_MEMBER_PERSONAS
from tests.personas import UNAUTHORISED as UNAUTH

COLUMNS = (
    "Organization/platform",
    "Organization/member_a",
    "Organization/member_b",
    "Location/site_a",
    "Location/site_b",
    "Device/equipment_a",
    "Device/equipment_b",
    "Practitioner/practitioner_a",
    "Practitioner/practitioner_b",
    "Practitioner/own",  # radiologist_a's profile
    "PractitionerRole/practitioner_a",
    "Schedule/equipment_b",
    "Slot/slot",
    "Patient/patient_a",
    "Patient/patient_b",
    "ServiceRequest/order_a",
    "ServiceRequest/order_b",
    "ImagingStudy/exam_a",
    "ImagingStudy/exam_b",
    "DiagnosticReport/report",  # A's, signed by radiologist_a
)
EVERYTHING = (OK,) * len(COLUMNS)
H = HIDDEN
# platform, A, B | sites a, b | devices a, b | practitioners a, b, own | role | schedule, slot
# | patients a, b | orders a, b | studies a, b | report
MEMBER_A_STAFF = (OK, OK, H, OK, H, OK, H, OK, H, OK, OK, OK, OK, OK, H, OK, H, OK, H, OK)
EXPECTED = {
    None: (UNAUTH,) * len(COLUMNS),
    "coordinator": EVERYTHING,
    "administrator": EVERYTHING,
    "reviewer": EVERYTHING,
    "manager_a": MEMBER_A_STAFF,
    "secretary_a": MEMBER_A_STAFF,
    # technologists read no practitioner (the registry's rule)
    "technologist_a": (OK, OK, H, OK, H, OK, H, H, H, H, H, OK, OK, OK, H, OK, H, OK, H, OK),
    # a radiologist: the platform, their own profile, the calendar, the exams assigned to or
    # signed by them (and their orders and patients)
    "radiologist_a": (OK, H, H, H, H, H, H, H, H, OK, H, OK, OK, OK, H, OK, H, OK, H, OK),
    "manager_b": (OK, H, OK, H, OK, H, OK, H, OK, H, H, OK, OK, H, OK, H, OK, H, OK, H),
}


def _urls(world, clinic) -> list[str]:
    own = world.users["radiologist_a"].practitioner
    objects = {
        "platform": f"platform-{world.platform.pk}",
        "member_a": f"member-{world.member_a.pk}",
        "member_b": f"member-{world.member_b.pk}",
        "site_a": world.site_a.pk,
        "site_b": world.site_b.pk,
        "equipment_a": world.equipment_a.pk,
        "equipment_b": world.equipment_b.pk,
        "practitioner_a": world.practitioner_a.pk,
        "practitioner_b": world.practitioner_b.pk,
        "own": own.pk,
        "slot": clinic.slot.pk,
        "patient_a": clinic.patient_a.pk,
        "patient_b": clinic.patient_b.pk,
        "order_a": clinic.order_a.pk,
        "order_b": clinic.order_b.pk,
        "exam_a": clinic.exam_a.pk,
        "exam_b": clinic.exam_b.pk,
        "report": clinic.report.pk,
    }
    out = []
    for column in COLUMNS:
        kind, name = column.split("/")
        out.append(f"/fhir/{kind}/{objects[name]}")
    return out


@pytest.mark.parametrize("persona", TWO_MEMBER_PERSONAS)
def test_reads_answer_as_the_web(world, clinic, fhir, persona):
    got = []
    for url in _urls(world, clinic):
        status, body = fhir(persona, url)
        got.append(status)
        if status != OK:
            assert body["resourceType"] == "OperationOutcome", url
    assert dict(zip(COLUMNS, got, strict=True)) == dict(
        zip(COLUMNS, EXPECTED[persona], strict=True)
    )


@pytest.mark.parametrize("persona", TWO_MEMBER_PERSONAS[1:])
def test_searches_return_only_what_reads_allow(world, clinic, fhir, persona):
    """Searching by each object's id finds it exactly when reading it is allowed."""
    for url, expected in zip(_urls(world, clinic), EXPECTED[persona], strict=True):
        kind, fhir_id = url.removeprefix("/fhir/").split("/")
        status, bundle = fhir(persona, f"/fhir/{kind}?_id={fhir_id}")
        assert status == OK
        assert ids(bundle) == ([fhir_id] if expected == OK else []), (persona, url)


def test_a_member_manager_lists_only_their_member(world, clinic, fhir):
    _s, bundle = fhir("manager_a", "/fhir/Organization?_count=100")
    assert ids(bundle) == [f"platform-{world.platform.pk}", f"member-{world.member_a.pk}"]
    _s, bundle = fhir("manager_a", "/fhir/ImagingStudy?_count=100")
    studies = {e["resource"]["location"]["reference"] for e in bundle["entry"]}
    own_sites = {f"Location/{s.pk}" for s in world.member_a.sites.all()}
    assert studies <= own_sites
    assert bundle["total"] >= 2


def test_a_bearer_token_reads_as_its_user(clinic, bearer):
    response = Client().get(f"/fhir/ImagingStudy/{clinic.exam_b.pk}", **bearer)
    assert response.status_code == 200
    response = Client().get(
        f"/fhir/ImagingStudy/{clinic.exam_b.pk}", HTTP_AUTHORIZATION="Bearer not-a-token"
    )
    assert response.status_code == 401
