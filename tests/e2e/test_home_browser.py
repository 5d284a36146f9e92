"""Each role's day in the browser: the home page, then the role's main task; the screenshots
illustrate docs/guide/journee-<role>.md."""

import datetime as dt

from django.utils import timezone

from pimm.oncall.models import Rota, RotaAssignment
from pimm.planning import models as pm
from pimm.registry import models as m
from pimm.worklist import models as w
from pimm.worklist import services as worklist
from tests import clock
from tests.e2e.conftest import login, shot


def test_radiologist_day(page):
    me = m.Practitioner.objects.get(user__username="radiologue")
    exams = list(w.Exam.objects.filter(status=w.Exam.Status.ASSIGNED).order_by("pk")[:3])
    w.Exam.objects.filter(pk__in=[e.pk for e in exams]).update(reader=me)
    # my queue is what I hold to read: assigned to me, or opened (read, a draft on it); the
    # demo already gives me some, the three above come on top
    held = w.Exam.objects.filter(reader=me, status__in=(w.Exam.Status.ASSIGNED, w.Exam.Status.READ))
    total = held.count()
    assert total >= len(exams) + 1
    login(page, "radiologue")
    assert page.locator("#ma-file h2").inner_text() == f"Ma file de lecture ({total})"
    badges = page.locator("#ma-file [data-priority]").all_inner_texts()
    assert sum(int(b.rsplit(":", 1)[1]) for b in badges) == total
    assert page.locator("#mes-gardes li").count() >= 1
    assert page.locator("#members").count() == 0 and page.locator(".france-map").count() == 0
    shot(page, "journee-radiologue", full_page=True)
    # main task: the queue, then my duties highlighted in the published rota
    page.click("#ma-file >> text=Ouvrir ma file")
    page.wait_for_url(page.base + "/lecture/")
    assert page.locator("h1").inner_text() == "Ma liste de lecture"
    assert page.locator("#queue-table .queue-row").count() == total  # the same rule on both pages
    rota = Rota.objects.filter(status=Rota.Status.PUBLISHED, shifts__assignment__practitioner=me)
    rota = rota.order_by("start").first()
    page.goto(f"{page.base}/gardes/tableaux/{rota.pk}/")
    mine = RotaAssignment.objects.filter(shift__rota=rota, practitioner=me).count()
    grid = page.locator("[data-testid=rota-grid]")  # the legend above it wears the colour too
    assert grid.locator(".duty.mine").count() == mine >= 1
    assert f"{me.first_name} {me.last_name}" in grid.locator(".duty.mine").first.inner_text()


def test_technologist_day(page):
    tech = m.Technologist.objects.select_related("member").get(user__username="manipulateur")
    site = m.Site.objects.filter(member=tech.member).order_by("pk").first()
    pc = w.PriorityClass.objects.get(code="outpatient")
    patient = worklist.patient_get_or_create(
        family_name="Martin",
        given_name="Jeanne",
        birth_date=dt.date(1961, 3, 4),
        nir="261037500000100",
    )
    order = worklist.order_create(patient=patient, site=site, priority=pc)
    exam = worklist.exam_create(
        order=order,
        modality="CT",
        exam_type="Scanner thoracique",
        scheduled_at=timezone.now() - dt.timedelta(minutes=5),
    )
    login(page, "manipulateur")
    row = page.locator(f"[data-exam='{exam.pk}']")
    assert "programmé" in row.inner_text()
    shot(page, "journee-manipulateur", full_page=True)
    # main task: the patient arrives, the exam starts and is performed, from the home page
    for label, status in (
        ("Patient arrivé", "arrived"),
        ("En cours", "in_progress"),
        ("Réalisé", "performed"),
    ):
        page.locator(f"[data-exam='{exam.pk}'] button:has-text('{label}')").click()
        page.wait_for_selector(f"[data-exam='{exam.pk}'] [data-status={status}]")
    exam.refresh_from_db()
    assert exam.status == w.Exam.Status.PERFORMED
    # and a breakdown of one of the member's devices
    device = (
        m.Equipment.objects.filter(holder=tech.member, active=True)
        .order_by("site__name", "name")
        .first()
    )
    page.locator(f"[data-device='{device.pk}'] >> text=Déclarer une panne").click()
    start = timezone.localtime()  # from now: it touches today, even at 23:30
    page.select_option("#id_kind", "closure")
    page.fill("#id_start", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_end", (start + dt.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_reason", "Panne : injecteur hors service")
    shot(page, "journee-manipulateur-panne")
    page.click("button:has-text('Enregistrer')")
    page.wait_for_selector("text=Fermeture enregistrée")
    assert pm.Closure.objects.filter(equipment=device, reason__startswith="Panne").exists()
    page.goto(page.base + "/")
    assert "injecteur hors service" in page.locator(f"[data-device='{device.pk}']").inner_text()


def test_secretary_day(page):
    login(page, "secretaire")
    assert page.locator("#rdv-du-jour").count() == 1
    assert "lundi → dimanche" in page.locator("#prendre-rdv").inner_text()
    shot(page, "journee-secretaire")
    # main task: find a slot for an order, choosing the day among the next ones
    page.click("#prendre-rdv >> text=Nouveau rendez-vous")
    page.fill("#id_order_reference", "DEM-E2E-7")
    exam_type = pm.ExamType.objects.filter(modality="CT").order_by("pk").first()
    page.select_option("#id_exam_type", str(exam_type.pk))
    page.fill("#id_patient_pseudonym", "PAT-E2E777")
    page.click("button:has-text('Proposer les prochains créneaux')")
    options = page.locator("[data-testid=slot-options] button")
    assert options.count() == 5
    shot(page, "journee-secretaire-creneaux", full_page=True)
    third = options.nth(2)
    chosen = third.get_attribute("value")
    third.focus()
    page.keyboard.press("Enter")  # the keyboard books as well as the mouse
    page.wait_for_selector("text=Rendez-vous réservé")
    booking = pm.Booking.objects.get(order_reference="DEM-E2E-7")
    assert booking.slots.filter(pk=chosen).exists()
    # move it to another day with a button, no drag-and-drop
    before = booking.start
    target = page.locator("[data-testid=move-options] button").last
    target.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Rendez-vous déplacé")
    booking.refresh_from_db()
    assert booking.start != before and booking.moves == 1
    # and the whole week, Sunday included
    page.goto(page.base + "/")
    page.click("#prendre-rdv >> text=La semaine du")
    page.wait_for_selector(".calendar-grid")
    assert page.locator(".calendar-grid h3:has-text('dimanche')").count() >= 1


def test_member_manager_day(page):
    login(page, "gestionnaire")
    manager = m.Member.objects.get(code=m.Member.objects.order_by("code").first().code)
    assert manager.name in page.locator("#equipe h2").inner_text()
    assert page.locator("#equipe li").count() >= 2
    assert page.locator("#appareils li").count() >= 1
    assert page.locator("[data-testid=deviation]").count() == 1
    shot(page, "journee-gestionnaire", full_page=True)
    # main task: open one of the member's devices
    link = page.locator("#appareils li a").first
    name = link.inner_text()
    link.click()
    page.wait_for_selector(f"h1:has-text('{name}')")


def test_coordinator_day(page):
    login(page, "coordinateur")
    attention = page.locator("#a-traiter")
    assert attention.count() == 1
    boxes = page.evaluate(
        "[document.querySelector('#a-traiter').getBoundingClientRect().top,"
        " document.querySelector('#authorisation').getBoundingClientRect().top]"
    )
    assert boxes[0] < boxes[1]  # what needs attention comes above the registry summary
    view = page.locator(".france-map").get_attribute("viewBox")
    assert view != "0 0 1162 1082"  # zoomed on the territory
    shot(page, "journee-coordinateur", full_page=True)
    # main task: an absence in next month's rota -> revise, re-solve, publish over it
    upcoming = Rota.objects.get(status=Rota.Status.PUBLISHED, start=clock.month_start(1))
    first = upcoming.shifts.select_related("assignment__practitioner").order_by("starts_at")[0]
    who = first.assignment.practitioner
    page.goto(f"{page.base}/gardes/tableaux/{upcoming.pk}/")
    page.click("text=Réviser (absence")
    page.select_option("#id_practitioner", str(who.pk))
    page.fill("#id_start", upcoming.start.isoformat())
    page.fill("#id_end", (upcoming.start + dt.timedelta(days=2)).isoformat())
    page.fill("#id_seconds", "3")
    page.click("button:has-text('Créer la révision et la calculer')")
    page.wait_for_selector("[data-testid=rota-status]:has-text('Prêt à publier')", timeout=60_000)
    page.click("a:has-text('Publier')")
    assert page.locator("[data-testid=over-published]").count() == 1
    assert page.locator("[data-testid=publish-diff] tbody tr").count() >= 1
    assert str(who) in page.locator("[data-testid=publish-diff]").inner_text()
    shot(page, "gardes-publication", full_page=True)
    page.click("button:has-text('Confirmer la publication')")
    page.wait_for_selector("[data-testid=rota-status]:has-text('Publié')")
    upcoming.refresh_from_db()
    assert upcoming.status == Rota.Status.SUPERSEDED
