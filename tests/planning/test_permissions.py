"""Every role against every planning page and API endpoint: allowed and refused both asserted.

Written from the issue: the coordination plans and publishes; the ARS reviewer reads everything
and writes nothing; a member manager reads plans and indicators and books for their member; a
secretary books for her member; technologists and radiologists read the calendar only.
"""

import json

import pytest
from django.urls import reverse

from pimm.accounts.services import api_token_create
from pimm.planning import models as pm
from tests.personas import FORBIDDEN, HIDDEN, LOGIN, OK, PERSONAS, REDIRECT, TWO_MEMBER_PERSONAS

# columns: plan list, plan detail, plan create, plan status, plan publish (POST on a ready copy),
# calendar, indicators, booking list, booking create, own booking (member A), other booking
# (member B), cancel own booking (POST, no reason -> redirect back), move other booking (POST)
COLUMNS = (
    "plan_list",
    "plan_detail",
    "plan_create",
    "plan_status",
    "plan_generate",
    "calendar",
    "indicators",
    "booking_list",
    "booking_create",
    "booking_a",
    "booking_b",
    "cancel_a",
    "move_b",
)
EXPECTED = {
    None: (LOGIN,) * 13,
    "coordinator": (OK, OK, OK, OK, REDIRECT, OK, OK, OK, OK, OK, OK, REDIRECT, REDIRECT),
    "administrator": (OK, OK, OK, OK, REDIRECT, OK, OK, OK, OK, OK, OK, REDIRECT, REDIRECT),
    "reviewer": (OK, OK, FORBIDDEN, OK, FORBIDDEN, OK, OK, OK, FORBIDDEN, OK, OK, HIDDEN, HIDDEN),
    "manager_a": (OK, OK, FORBIDDEN, OK, FORBIDDEN, OK, OK, OK, OK, OK, HIDDEN, REDIRECT, HIDDEN),
    "secretary_a": (
        FORBIDDEN,
        HIDDEN,
        FORBIDDEN,
        HIDDEN,
        HIDDEN,
        OK,
        FORBIDDEN,
        OK,
        OK,
        OK,
        HIDDEN,
        REDIRECT,
        HIDDEN,
    ),
    "technologist_a": (
        FORBIDDEN,
        HIDDEN,
        FORBIDDEN,
        HIDDEN,
        HIDDEN,
        OK,
        FORBIDDEN,
        OK,
        FORBIDDEN,
        OK,
        HIDDEN,
        HIDDEN,
        HIDDEN,
    ),
    "radiologist_a": (
        FORBIDDEN,
        HIDDEN,
        FORBIDDEN,
        HIDDEN,
        HIDDEN,
        OK,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        HIDDEN,
        HIDDEN,
        HIDDEN,
        HIDDEN,
    ),
}


def _bookings(world):
    a = pm.Booking.objects.filter(member=world.member_a, status="booked").exclude(
        equipment__site__member=world.member_b
    )
    b = pm.Booking.objects.filter(member=world.member_b, status="booked").exclude(
        equipment__site__member=world.member_a
    )
    return a.order_by("pk").first(), b.order_by("pk").first()


@pytest.fixture
def failed_plan(world):
    """A plan the generate endpoint may act on without solving anything heavy."""
    return pm.VacationPlan.objects.create(
        platform=world.platform,
        name="Brouillon",
        start=pm.VacationPlan.objects.get(status="published").end,
        end=pm.VacationPlan.objects.get(status="published").end.replace(day=28),
        method="greedy",
        status="solving",  # plan_generate refuses a plan already solving: no task runs
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_planning_pages(world, client_for, persona, failed_plan):
    client = client_for(persona)
    plan = pm.VacationPlan.objects.get(status="published")
    own, other = _bookings(world)
    assert own is not None and other is not None
    slot = pm.Slot.objects.filter(booking__isnull=True, equipment=other.equipment).first()
    got = (
        client.get(reverse("planning:plan_list")).status_code,
        client.get(reverse("planning:plan_detail", args=[plan.pk])).status_code,
        client.get(reverse("planning:plan_create")).status_code,
        client.get(reverse("planning:plan_status", args=[plan.pk])).status_code,
        client.post(reverse("planning:plan_generate", args=[failed_plan.pk])).status_code,
        client.get(reverse("planning:calendar")).status_code,
        client.get(reverse("planning:indicators")).status_code,
        client.get(reverse("planning:booking_list")).status_code,
        client.get(reverse("planning:booking_create")).status_code,
        client.get(reverse("planning:booking_detail", args=[own.pk])).status_code,
        client.get(reverse("planning:booking_detail", args=[other.pk])).status_code,
        client.post(reverse("planning:booking_cancel", args=[own.pk]), {"reason": ""}).status_code,
        client.post(
            reverse("planning:booking_move", args=[other.pk]), {"slot": slot.pk}
        ).status_code,
    )
    assert dict(zip(COLUMNS, got, strict=True)) == dict(
        zip(COLUMNS, EXPECTED[persona], strict=True)
    )
    own.refresh_from_db()
    assert own.status == "booked"  # no reason given: never cancelled


def test_generate_and_publish_refused_to_the_reviewer_change_nothing(world, client_for):
    plan = pm.VacationPlan.objects.get(status="published")
    client = client_for("reviewer")
    assert client.post(reverse("planning:plan_publish", args=[plan.pk])).status_code == FORBIDDEN
    plan.refresh_from_db()
    assert plan.status == "published"


def test_calendar_hides_other_members_patients(world, client_for):
    own, other = _bookings(world)
    day = other.start.astimezone().date().isoformat()
    url = reverse("planning:calendar") + f"?device={other.equipment_id}&date={day}"
    assert other.patient_pseudonym not in client_for("secretary_a").get(url).content.decode()
    assert other.patient_pseudonym in client_for("reviewer").get(url).content.decode()


# ---- API ----------------------------------------------------------------------------------------

API_EXPECTED = {
    # plans list, plan detail, booking A, booking B, create for member A, cancel B without reason
    None: (401, 401, 401, 401, 401, 401),
    "coordinator": (200, 200, 200, 200, 201, 422),
    "administrator": (200, 200, 200, 200, 201, 422),
    "reviewer": (200, 200, 200, 200, 403, 404),
    "manager_a": (200, 200, 200, 404, 201, 404),
    "secretary_a": (403, 404, 200, 404, 201, 404),
    "technologist_a": (403, 404, 200, 404, 403, 404),
    "radiologist_a": (403, 404, 404, 404, 403, 404),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_planning_api(world, client, persona):
    headers = {}
    if persona:
        _token, raw = api_token_create(user=world.users[persona], name="test")
        headers = {"Authorization": f"Bearer {raw}"}
    plan = pm.VacationPlan.objects.get(status="published")
    own, other = _bookings(world)

    def call(method, url, body=None):
        kwargs = {"headers": headers}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(url, **kwargs).status_code

    got = (
        call("get", "/api/planning/plans"),
        call("get", f"/api/planning/plans/{plan.pk}"),
        call("get", f"/api/planning/bookings/{own.pk}"),
        call("get", f"/api/planning/bookings/{other.pk}"),
        call(
            "post",
            "/api/planning/bookings",
            {
                "order_reference": f"API-{persona}",
                "exam_type": "CT_HEAD",
                "patient_pseudonym": "PAT-API001",
                "member": world.member_a.pk,
            },
        ),
        call("post", f"/api/planning/bookings/{other.pk}/cancel", {"reason": ""}),
    )
    assert got == API_EXPECTED[persona]


# ---- two members: a booking of member B on a device of member A's site -----------------------
# Written by the member whose vacation it takes (B); read by the site's owner (A) and its staff.

# (web detail, web cancel without reason, API detail, API cancel without reason)
HOSTED_BOOKING = {
    None: (LOGIN, LOGIN, 401, 401),
    "coordinator": (OK, REDIRECT, 200, 422),
    "administrator": (OK, REDIRECT, 200, 422),
    "reviewer": (OK, HIDDEN, 200, 404),
    "manager_a": (OK, HIDDEN, 200, 404),
    "secretary_a": (OK, HIDDEN, 200, 404),
    "technologist_a": (OK, HIDDEN, 200, 404),
    "radiologist_a": (HIDDEN, HIDDEN, 404, 404),
    "manager_b": (OK, REDIRECT, 200, 422),
}


@pytest.fixture
def hosted_booking(world):
    """A booking of member B on a device standing on member A's site."""
    booking = (
        pm.Booking.objects.filter(status="booked").exclude(member=world.member_a).first()
    )  # any booking, moved onto a device of A's site held by B
    device = booking.equipment
    device.site, device.holder = world.site_a, world.member_b
    device.save()
    booking.member = world.member_b
    booking.save()
    return booking


@pytest.mark.parametrize("persona", TWO_MEMBER_PERSONAS)
def test_hosted_booking_written_by_its_member_read_by_the_host(
    world, client, client_for, hosted_booking, persona
):
    pk = hosted_booking.pk
    web = client_for(persona)
    headers = {}
    if persona:
        _token, raw = api_token_create(user=world.users[persona], name="test")
        headers = {"Authorization": f"Bearer {raw}"}
    got = (
        web.get(reverse("planning:booking_detail", args=[pk])).status_code,
        web.post(reverse("planning:booking_cancel", args=[pk]), {"reason": ""}).status_code,
        client.get(f"/api/planning/bookings/{pk}", headers=headers).status_code,
        client.post(
            f"/api/planning/bookings/{pk}/cancel",
            data=json.dumps({"reason": ""}),
            content_type="application/json",
            headers=headers,
        ).status_code,
    )
    assert got == HOSTED_BOOKING[persona]
    hosted_booking.refresh_from_db()
    assert hosted_booking.status == "booked"
