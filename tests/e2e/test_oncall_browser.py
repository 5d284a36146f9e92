"""On-call rota in the browser: the coordinator generates, locks a cell and publishes a month;
two radiologists swap duties (proposed by one, accepted by the other); the iCal feed downloads;
the coordinator re-weights weeknights and the fairness page shows the new weight."""

from pathlib import Path

from icalendar import Calendar

from pimm.accounts.roles import Role
from pimm.accounts.services import user_create
from pimm.demo.loader import DEMO_PASSWORD
from pimm.engine.rota.checker import Swap, check_change, check_rota
from pimm.oncall.adapter import build_problem, current_assignments
from pimm.oncall.models import PointWeights, Rota, RotaAssignment, RotaShift, SwapRequest
from tests import clock
from tests.e2e.conftest import login, shot


def _legal(rota):
    problem = build_problem(rota, include_previous=False)
    assert check_rota(problem, current_assignments(rota)) == []
    return problem


def _swappable_pair(rota):
    """Two shifts held by practitioners without a login whose swap the checker accepts."""
    problem = _legal(rota)
    assignments = current_assignments(rota)
    shifts = list(
        RotaShift.objects.filter(rota=rota, assignment__practitioner__user__isnull=True)
        .select_related("assignment__practitioner")
        .order_by("starts_at")
    )
    for a in shifts:
        for b in shifts:
            if a.assignment.practitioner_id == b.assignment.practitioner_id:
                continue
            if not check_change(problem, assignments, Swap(a.key, b.key)):
                return a, b
    raise AssertionError("no legal swap")


def _logout(page):
    page.context.clear_cookies()


def test_generate_publish_swap_and_ical(page):
    login(page, "coordinateur")
    page.click("nav.main >> text=Gardes")
    page.fill("#id_title", "Tableau à venir")
    page.fill("#id_start", clock.day(2, 1).isoformat())
    page.fill("#id_end", clock.day(2, 28).isoformat())
    page.click("button:has-text('Créer le tableau')")
    page.wait_for_selector("[data-testid=rota-status]")
    assert page.locator("[data-testid=rota-status]").inner_text() == "Brouillon"
    page.fill("input[name=seconds]", "3")
    page.click("button:has-text('Générer le tableau')")
    page.wait_for_selector("[data-testid=rota-status]:has-text('Prêt à publier')", timeout=60_000)
    rota = Rota.objects.get(title="Tableau à venir")
    assert rota.status == Rota.Status.READY
    _legal(rota)
    assert "Dernier calcul" in page.locator("#progress").inner_text()
    # lock the first cell through htmx; the page's version follows
    version = int(page.locator("#rota-version").get_attribute("value"))
    page.locator("button.lock").first.click()
    page.wait_for_selector(".duty.locked")
    page.wait_for_function(f"document.getElementById('rota-version').value === '{version + 1}'")
    assert RotaAssignment.objects.filter(shift__rota=rota, locked=True).count() == 1
    shot(page, "gardes-tableau", full_page=True)
    page.click("a:has-text('Publier')")  # a confirmation first: no rota published yet there
    assert page.locator("[data-testid=over-published]").count() == 0
    page.click("button:has-text('Confirmer la publication')")
    page.wait_for_selector("[data-testid=rota-status]:has-text('Publié')")
    rota.refresh_from_db()
    assert rota.status == Rota.Status.PUBLISHED
    _legal(rota)

    # two radiologists of the published rota get logins
    a, b = _swappable_pair(rota)
    pa, pb = a.assignment.practitioner, b.assignment.practitioner
    for username, practitioner in (("rad-a", pa), ("rad-b", pb)):
        practitioner.user = user_create(
            username=username, password=DEMO_PASSWORD, role=Role.RADIOLOGIST
        )
        practitioner.save()
    _logout(page)
    login(page, "rad-a")
    page.goto(page.base + "/gardes/echanges/")
    page.select_option("#id_shift", str(a.pk))
    page.select_option("#id_other_shift", str(b.pk))
    page.fill("#id_message", "Merci !")
    page.click("button:has-text('Proposer')")
    page.wait_for_selector("text=Proposition envoyée")
    swap = SwapRequest.objects.get()
    assert swap.status == SwapRequest.Status.PROPOSED
    _logout(page)
    login(page, "rad-b")
    page.goto(page.base + "/gardes/echanges/")
    page.locator(f"[data-testid=swap-{swap.pk}] button:has-text('Accepter')").click()
    page.wait_for_selector(f"[data-testid=swap-{swap.pk}] >> text=Appliqué")
    shot(page, "gardes-echanges")
    assert RotaAssignment.objects.get(shift=a).practitioner == pb
    assert RotaAssignment.objects.get(shift=b).practitioner == pa
    _legal(rota)

    # rad-b's iCal feed now holds the swapped duty
    page.goto(page.base + "/gardes/mon-agenda/")
    with page.expect_download() as info:
        page.click("[data-testid=ical-download]")
    body = Path(info.value.path()).read_bytes()
    events = list(Calendar.from_ical(body).walk("VEVENT"))
    mine = RotaAssignment.objects.filter(
        practitioner=pb, shift__rota__status=Rota.Status.PUBLISHED
    ).count()
    assert len(events) == mine >= 1
    assert b"BEGIN:VEVENT" in body

    # the coordinator weights weeknights 1.5 points; the fairness page shows it
    _logout(page)
    login(page, "coordinateur")
    page.goto(page.base + "/gardes/ponderations/")
    page.fill("#id_weeknight", "1.5")
    page.fill("#id_astreinte_percent", "50")
    page.click("[data-testid=weights-form] button:has-text('Enregistrer')")
    page.wait_for_selector("text=Pondérations enregistrées")
    shot(page, "gardes-ponderations")
    weights = PointWeights.objects.get()
    assert (float(weights.weeknight), weights.astreinte_percent) == (1.5, 50)
    page.click("text=Équité des gardes")
    assert "nuit de semaine 1,5" in page.locator("[data-testid=fairness-weights]").inner_text()
