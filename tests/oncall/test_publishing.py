"""Publishing asks for confirmation and shows what changes against the published rota; "Réviser"
asks whose absence and for which dates, then re-solves; the grid names people and lines in full;
the iCal feed carries the Paris VTIMEZONE; the swap form offers only swappable shifts."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from pimm.engine.rota.checker import Swap, check_change
from pimm.oncall import selectors, services
from pimm.oncall.adapter import build_problem, current_assignments
from pimm.oncall.models import Rota, RotaAssignment, RotaShift, Unavailability
from tests.oncall.conftest import assert_legal
from tests.personas import FOUND, HIDDEN, OK, PERSONAS


def _absent(upcoming):
    """The holder of the first duty of next month's rota, absent its first three days."""
    first = upcoming.shifts.select_related("assignment__practitioner").order_by("starts_at")[0]
    return first.assignment.practitioner, upcoming.start, upcoming.start + dt.timedelta(days=2)


@pytest.fixture
def revision(world, upcoming, coordinator):
    who, start, end = _absent(upcoming)
    new = services.rota_revise_for_absence(
        actor=coordinator, rota=upcoming, practitioner=who, start=start, end=end, time_limit=3
    )
    new.refresh_from_db()
    assert new.status == Rota.Status.READY, new.explanation
    return new, who, start, end


def test_revise_asks_whose_absence_and_when_then_re_solves(world, upcoming, client_for):
    client = client_for("coordinator")
    url = reverse("oncall:revise", args=[upcoming.pk])
    page = client.get(url)
    assert page.status_code == OK
    assert (
        'name="practitioner"' in page.content.decode() and 'name="start"' in page.content.decode()
    )
    who, start, end = _absent(upcoming)
    # dates outside the rota, or backwards: a French error, nothing written
    before = Rota.objects.count(), Unavailability.objects.count()
    bad = client.post(
        url,
        {
            "practitioner": who.pk,
            "start": (upcoming.end + dt.timedelta(days=5)).isoformat(),
            "end": (upcoming.end + dt.timedelta(days=6)).isoformat(),
            "reason": "congés",
        },
    )
    assert bad.status_code == OK and "période du tableau" in bad.content.decode()
    backwards = client.post(
        url,
        {"practitioner": who.pk, "start": end.isoformat(), "end": start.isoformat(), "reason": "x"},
    )
    assert backwards.status_code == OK and "précède" in backwards.content.decode()
    assert (Rota.objects.count(), Unavailability.objects.count()) == before
    done = client.post(
        url,
        {
            "practitioner": who.pk,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "reason": "congés",
            "seconds": "3",
        },
    )
    assert done.status_code == FOUND
    new = Rota.objects.get(based_on=upcoming)
    assert done["Location"] == reverse("oncall:rota", args=[new.pk])
    assert new.status == Rota.Status.READY
    assert_legal(new)
    assert Unavailability.objects.filter(practitioner=who, start=start, end=end).exists()
    # the absent radiologist holds nothing during the absence in the revision
    assert not RotaAssignment.objects.filter(
        shift__rota=new, practitioner=who, shift__date__gte=start, shift__date__lte=end
    ).exists()


def test_publish_over_a_published_month_says_so_and_shows_the_difference(
    world, upcoming, revision, client_for
):
    new, who, start, end = revision
    diff = selectors.publish_diff(new)
    assert diff.over_published and diff.published == [upcoming]
    assert diff.rows, "the absence must change some duties"
    assert diff.unchanged + len(diff.rows) == diff.total == new.shifts.count()
    # every duty the absent radiologist held in the absence window is in the diff, moved away
    held = RotaAssignment.objects.filter(
        shift__rota=upcoming, practitioner=who, shift__date__gte=start, shift__date__lte=end
    ).select_related("shift")
    moved = {(r.line.pk, r.starts_at) for r in diff.rows if r.before == who and r.after != who}
    assert {(a.shift.line_id, a.shift.starts_at) for a in held} <= moved
    for r in diff.rows:  # a row is a real change
        assert (r.before and r.before.pk) != (r.after and r.after.pk)
    page = client_for("coordinator").get(reverse("oncall:publish", args=[new.pk]))
    html = page.content.decode()
    assert page.status_code == OK
    assert 'data-testid="over-published"' in html and "déjà publié" in html
    assert 'data-testid="publish-diff"' in html and str(who) in html
    assert new.status == Rota.Status.READY  # a GET publishes nothing
    confirmed = client_for("coordinator").post(
        reverse("oncall:publish", args=[new.pk]), {"version": new.version}
    )
    assert confirmed.status_code == FOUND
    new.refresh_from_db()
    upcoming.refresh_from_db()
    assert (new.status, upcoming.status) == (Rota.Status.PUBLISHED, Rota.Status.SUPERSEDED)


def test_publishing_a_month_without_published_rota_has_no_diff(world, coordinator, client_for):
    draft = services.rota_create(
        actor=coordinator,
        platform=world.platform,
        start=dt.date(2027, 1, 1) + dt.timedelta(days=31 * 5),
        end=dt.date(2027, 1, 1) + dt.timedelta(days=31 * 5 + 2),
    )
    diff = selectors.publish_diff(draft)
    assert not diff.over_published and diff.rows == []
    html = client_for("coordinator").get(reverse("oncall:publish", args=[draft.pk])).content
    assert "Aucun tableau n&#x27;est publié" in html.decode() or "Aucun tableau n'est publié" in (
        html.decode()
    )


CONFIRM_PAGES = {  # GET publish confirmation (a draft), GET revise form (the published rota)
    None: (FOUND, FOUND),
    "coordinator": (OK, OK),
    "administrator": (OK, OK),
    "reviewer": (HIDDEN, HIDDEN),
    "manager_a": (HIDDEN, HIDDEN),
    "secretary_a": (HIDDEN, HIDDEN),
    "technologist_a": (HIDDEN, HIDDEN),
    "radiologist_a": (HIDDEN, HIDDEN),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_confirmation_and_revise_pages_per_role(persona, world, upcoming, coordinator, client_for):
    draft = services.rota_create(
        actor=coordinator, platform=world.platform, start=upcoming.start, end=upcoming.start
    )
    client = client_for(persona)
    got = (
        client.get(reverse("oncall:publish", args=[draft.pk])).status_code,
        client.get(reverse("oncall:revise", args=[upcoming.pk])).status_code,
    )
    assert got == CONFIRM_PAGES[persona]


def test_grid_shows_full_names_line_names_and_highlights_my_duties(world, published, client_for):
    me = world.users["radiologist_a"].practitioner
    shift = RotaShift.objects.filter(rota=published).select_related("line").first()
    a = RotaAssignment.objects.get(shift=shift)
    a.practitioner = me  # not checked against the rules: only the page is under test
    a.save()
    html = client_for("radiologist_a").get(reverse("oncall:rota", args=[published.pk])).content
    html = html.decode()
    assert f"{me.first_name} {me.last_name}" in html
    assert shift.line.name in html
    assert f'id="shift-{shift.pk}" class="duty mine' in html or (
        f'id="shift-{shift.pk}" class="duty locked mine' in html
    )
    # every day of the month is a row (days down, lines across)
    days = (published.end - published.start).days + 1
    assert html.count('<th class="day" scope="row">') == days


def test_ical_feed_carries_the_paris_vtimezone(client, published):
    practitioner = RotaAssignment.objects.filter(shift__rota=published).first().practitioner
    token = services.calendar_token_for(practitioner=practitioner)
    body = client.get(reverse("oncall:ical", args=[token.token])).content
    cal = Calendar.from_ical(body)
    zones = list(cal.walk("VTIMEZONE"))
    assert [str(z["TZID"]) for z in zones] == ["Europe/Paris"]
    assert zones[0].walk("STANDARD") and zones[0].walk("DAYLIGHT")  # CET and CEST
    assert b"DTSTART;TZID=Europe/Paris:" in body


def test_swap_form_lists_only_shifts_that_could_be_swapped(world, upcoming, client_for):
    me = world.users["radiologist_a"].practitioner
    if not RotaAssignment.objects.filter(shift__rota=upcoming, practitioner=me).exists():
        pytest.fail("the persona holds no duty next month in the demo")
    choices = services.swap_choices(practitioner=me, now=timezone.now())
    assert choices.mine and choices.others
    assert all(s.assignment.practitioner_id == me.pk for s in choices.mine)
    problem = build_problem(upcoming, include_previous=False)
    assignments = current_assignments(upcoming)
    mine_keys = [s.key for s in choices.mine if s.rota_id == upcoming.pk]
    offered = {s.pk for s in choices.others}
    others = RotaShift.objects.filter(rota=upcoming).exclude(assignment__practitioner=me)
    refused = 0
    for other in others.select_related("assignment"):
        legal = any(not check_change(problem, assignments, Swap(k, other.key)) for k in mine_keys)
        if other.ends_at > timezone.now() and other.starts_at < timezone.now() + dt.timedelta(
            days=services.swaps.SWAP_HORIZON_DAYS
        ):
            assert (other.pk in offered) == legal, other
            refused += not legal
    assert refused, "some shifts cannot be swapped (competence, rest...): none is offered"
    page = client_for("radiologist_a").get(reverse("oncall:swaps")).content.decode()
    assert _options(page, "shift") == {s.pk for s in choices.mine}
    assert _options(page, "other_shift") == offered


def _options(page: str, name: str) -> set[int]:
    """The values offered by the form's ``<select name=...>``."""
    start = page.index(f'name="{name}"')
    chunk = page[start : page.index("</select>", start)]
    return {int(v) for v in re.findall(r'<option value="(\d+)"', chunk)}
