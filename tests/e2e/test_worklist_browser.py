"""The demo radiologist reads and signs from a queue filled by the simulation; the coordinator
sees turnaround per priority class."""

from pimm.worklist.models import Exam
from tests.e2e.conftest import login, menu, shot


def test_radiologist_signs_and_coordinator_sees_turnaround(page):
    login(page, "radiologue")
    menu(page, "Ma lecture")
    rows = page.locator("#queue-table tr.queue-row")
    rows.first.wait_for()
    queued = rows.count()
    assert queued >= 1
    shot(page, "lecture-file")
    href = rows.first.locator("a").get_attribute("href")
    signed_exam = Exam.objects.get(pk=int(href.rstrip("/").split("/")[-1]))
    rows.first.locator("a").click()
    page.locator("#identity").wait_for()
    assert page.locator("a:has-text('Ouvrir les images (PACS)')").count() == 1
    page.fill("#id_text", "Scanner de bonne qualité. Pas d'anomalie. Conclusion : normal.")
    shot(page, "lecture-examen")
    page.click("button[name=sign]")
    page.locator(".messages li:has-text('Compte rendu signé')").wait_for()
    # the signed exam left the queue (signing may pull waiting work in at once)
    page.locator("#queue-table").wait_for()
    assert page.locator(f"#queue-table a[href='{href}']").count() == 0

    page.click("button:has-text('Se déconnecter')")
    login(page, "coordinateur")
    page.goto(page.base + "/lecture/coordination/")
    table = page.locator("#turnaround")
    table.wait_for()
    for label in ("Urgence vitale", "Urgence", "Hospitalisé", "Externe"):
        assert table.locator(f"td:text-is('{label}')").count() == 1
    # the class of the exam just signed counts it among today's signed exams
    label = signed_exam.priority.label
    signed = int(table.locator(f"tr:has(td:text-is('{label}')) td").nth(2).inner_text())
    assert signed >= 1
    shot(page, "lecture-coordination", full_page=True)

    # set-up: the presence plan, reachable from the menu, links to the priority classes
    menu(page, "Plan de présence")
    page.locator("h1:has-text('Plan de présence')").wait_for()
    assert page.locator("a:has-text('Ajouter une présence')").count() == 1
    shot(page, "lecture-presences")
    page.click("a:has-text('Classes de priorité et délais cibles')")
    page.locator("td:text-is('Urgence vitale')").wait_for()
