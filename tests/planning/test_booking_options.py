"""The secretary chooses among the next fitting slots, one per day (not only "the first"), and
moves or cancels a booking with buttons (no drag-and-drop), under the same rules."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from pimm.planning import models as pm
from pimm.planning import services
from tests import clock
from tests.personas import FOUND, HIDDEN, OK, TWO_MEMBER_PERSONAS


def _ct(world):
    return pm.ExamType.objects.filter(modality="CT").order_by("pk").first()


def test_options_are_the_first_fitting_block_then_one_per_day(world, plan):
    secretary = world.users["secretary_a"]
    common = {"actor": secretary, "exam_type": _ct(world), "member": world.member_a}
    options = services.booking_options(**common, count=5)
    first = services.booking_propose(**common)
    assert options[0] == first  # the first option is what "the first slot" gives
    assert len(options) == 5
    days = [timezone.localtime(block[0].start).date() for block in options]
    assert days == sorted(days) and len(set(days)) == 5  # one per day, in date order
    for block in options:
        assert all(s.booking_id is None and s.status == "open" for s in block)
        assert all(s.start >= clock.NOW for s in block)
    later = clock.TODAY + dt.timedelta(days=10)
    shifted = services.booking_options(
        **common, count=2, not_before=timezone.make_aware(dt.datetime.combine(later, dt.time()))
    )
    assert timezone.localtime(shifted[0][0].start).date() >= later


def test_options_refused_for_another_members_booking(world, plan):
    with pytest.raises(PermissionDenied):
        services.booking_options(
            actor=world.users["secretary_a"], exam_type=_ct(world), member=world.member_b
        )


def test_the_form_offers_the_options_and_books_the_chosen_day(world, plan, client_for):
    client = client_for("secretary_a")
    data = {
        "order_reference": "OPT-1",
        "exam_type": _ct(world).pk,
        "patient_pseudonym": "PAT-OPT001",
        "member": world.member_a.pk,
        "priority": "routine",
        "propose": "1",
    }
    page = client.post(reverse("planning:booking_create"), data)
    html = page.content.decode()
    assert page.status_code == OK and 'data-testid="slot-options"' in html
    offered = page.context["options"]
    assert len(offered) == 5
    third = offered[2][0]
    data.pop("propose")
    done = client.post(reverse("planning:booking_create"), {**data, "slot": third.pk})
    assert done.status_code == FOUND
    booking = pm.Booking.objects.get(order_reference="OPT-1")
    assert booking.start == third.start and booking.equipment_id == third.equipment_id


def test_a_bad_date_is_a_french_error_not_a_500(world, plan, client_for):
    page = client_for("secretary_a").post(
        reverse("planning:booking_create"),
        {
            "order_reference": "OPT-2",
            "exam_type": _ct(world).pk,
            "patient_pseudonym": "PAT-OPT002",
            "member": world.member_a.pk,
            "priority": "routine",
            "not_before": "demain",
            "propose": "1",
        },
    )
    assert page.status_code == OK and "Saisissez une date valide" in page.content.decode()
    assert not pm.Booking.objects.filter(order_reference="OPT-2").exists()


def _own_booking(world):
    return (
        pm.Booking.objects.filter(member=world.member_a, status="booked", start__gt=clock.NOW)
        .exclude(equipment__site__member=world.member_b)
        .order_by("start")
        .first()
    )


def test_move_by_button_to_another_day(world, plan, client_for):
    booking = _own_booking(world)
    client = client_for("secretary_a")
    page = client.get(booking.get_absolute_url())
    html = page.content.decode()
    assert 'id="deplacer"' in html and 'id="annuler"' in html
    moves = page.context["moves"]
    assert moves, "free slots to move to"
    target = moves[-1][0]
    assert f'value="{target.pk}"' in html
    response = client.post(reverse("planning:booking_move", args=[booking.pk]), {"slot": target.pk})
    assert response.status_code == FOUND
    booking.refresh_from_db()
    assert booking.start == target.start and booking.moves == 1
    # and later: the options start from the chosen day
    after = (clock.TODAY + dt.timedelta(days=20)).isoformat()
    page = client.get(booking.get_absolute_url() + f"?apres={after}")
    assert all(
        timezone.localtime(b[0].start).date().isoformat() >= after for b in page.context["moves"]
    )


# booking of member A: who sees the move buttons (detail status, move section shown)
MOVE_SECTION = {
    None: (FOUND, False),
    "coordinator": (OK, True),
    "administrator": (OK, True),
    "reviewer": (OK, False),
    "manager_a": (OK, True),
    "secretary_a": (OK, True),
    "technologist_a": (OK, False),
    "radiologist_a": (HIDDEN, False),
    "manager_b": (HIDDEN, False),
}


@pytest.mark.parametrize("persona", TWO_MEMBER_PERSONAS)
def test_move_section_per_role(persona, world, plan, client_for):
    booking = _own_booking(world)
    response = client_for(persona).get(booking.get_absolute_url())
    got = (response.status_code, 'id="deplacer"' in response.content.decode())
    assert got == MOVE_SECTION[persona]
