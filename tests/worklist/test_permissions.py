"""Every role against every worklist page and API endpoint: allowed and refused both asserted.

Written by hand from the issue: radiologists see their queue and the exams assigned to them;
the coordination (coordinator, administrator, ARS reviewer) sees every exam pseudonymised and
the live turnaround; a member's staff see their member's exams; technologists move exams.
"""

import pytest

from pimm.accounts.services import api_token_create
from pimm.worklist import services
from tests.personas import FORBIDDEN, HIDDEN, LOGIN, OK, REDIRECT, TWO_MEMBER_PERSONAS
from tests.personas import UNAUTHORISED as UNAUTH
from tests.worklist.conftest import T0, reload

COLUMNS = (
    "queue",
    "queue_rows",
    "exam_list",
    "exam_own_member",
    "exam_other_member",
    "coordination",
    "coordination_live",
    "move_scheduled",
    "api_exams",
    "api_turnaround",
)
COORD = (FORBIDDEN, FORBIDDEN, OK, OK, OK, OK, OK, REDIRECT, OK, OK)
EXPECTED = {
    None: (LOGIN,) * 8 + (UNAUTH, UNAUTH),
    "coordinator": COORD,
    "administrator": COORD,
    "reviewer": (FORBIDDEN, FORBIDDEN, OK, OK, OK, OK, OK, FORBIDDEN, OK, OK),
    "manager_a": (
        FORBIDDEN,
        FORBIDDEN,
        OK,
        OK,
        HIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        OK,
        FORBIDDEN,
    ),
    "secretary_a": (
        FORBIDDEN,
        FORBIDDEN,
        OK,
        OK,
        HIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        OK,
        FORBIDDEN,
    ),
    "technologist_a": (
        FORBIDDEN,
        FORBIDDEN,
        OK,
        OK,
        HIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        REDIRECT,
        OK,
        FORBIDDEN,
    ),
    "radiologist_a": (OK, OK, OK, OK, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN, OK, FORBIDDEN),
}


@pytest.fixture
def objects(world, make_exam, classes):
    reader = world.users["radiologist_a"].practitioner
    own = make_exam(world.site_a)
    v = reload(own).routing_version
    services.exam_assign(exam_id=own.pk, reader_id=reader.pk, expected_version=v, at=T0)
    other = make_exam(world.site_b)
    patient = own.patient
    order = services.order_create(patient=patient, site=world.site_a, priority=classes["inpatient"])
    scheduled = services.exam_create(order=order, modality="MRI")
    return own, other, scheduled


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_every_role_every_view(persona, objects, client_for, world):
    own, other, scheduled = objects
    client = client_for(persona)
    headers = {}
    if persona:
        headers = {
            "Authorization": "Bearer " + api_token_create(user=world.users[persona], name="t")[1]
        }
    calls = {
        "queue": lambda: client.get("/lecture/"),
        "queue_rows": lambda: client.get("/lecture/file/"),
        "exam_list": lambda: client.get("/lecture/examens/"),
        "exam_own_member": lambda: client.get(f"/lecture/examens/{own.pk}/"),
        "exam_other_member": lambda: client.get(f"/lecture/examens/{other.pk}/"),
        "coordination": lambda: client.get("/lecture/coordination/"),
        "coordination_live": lambda: client.get("/lecture/coordination/live/"),
        "move_scheduled": lambda: client.post(
            f"/lecture/examens/{scheduled.pk}/statut/", {"to": "arrived"}
        ),
        "api_exams": lambda: client.get("/api/worklist/exams", headers=headers),
        "api_turnaround": lambda: client.get("/api/worklist/turnaround", headers=headers),
    }
    got = tuple(calls[c]().status_code for c in COLUMNS)
    assert dict(zip(COLUMNS, got, strict=True)) == dict(
        zip(COLUMNS, EXPECTED[persona], strict=True)
    )
    moved = reload(scheduled).status == "arrived"
    assert moved == (EXPECTED[persona][7] == REDIRECT and persona is not None)


# ---- two members: an exam of member B assigned to a radiologist of member A -----------------
# Read by the reader it is assigned to, whatever the member; by B's staff; not by A's staff.

ASSIGNED_ELSEWHERE = {  # (web detail, listed by the API)
    None: (LOGIN, False),
    "coordinator": (OK, True),
    "administrator": (OK, True),
    "reviewer": (OK, True),
    "manager_a": (HIDDEN, False),
    "secretary_a": (HIDDEN, False),
    "technologist_a": (HIDDEN, False),
    "radiologist_a": (OK, True),
    "manager_b": (OK, True),
}


@pytest.mark.parametrize("persona", TWO_MEMBER_PERSONAS)
def test_exam_read_by_its_reader_whatever_the_member(persona, world, make_exam, client_for):
    reader = world.users["radiologist_a"].practitioner
    exam = make_exam(world.site_b)
    assert exam.member_id == world.member_b.pk and reader.member_id == world.member_a.pk
    v = reload(exam).routing_version
    services.exam_assign(exam_id=exam.pk, reader_id=reader.pk, expected_version=v, at=T0)
    client = client_for(persona)
    detail = client.get(f"/lecture/examens/{exam.pk}/").status_code
    listed = False
    if persona:
        token = api_token_create(user=world.users[persona], name="t")[1]
        body = client.get(
            "/api/worklist/exams", headers={"Authorization": f"Bearer {token}"}
        ).json()
        listed = exam.pk in {row["id"] for row in body}
    assert (detail, listed) == ASSIGNED_ELSEWHERE[persona]
