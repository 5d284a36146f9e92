"""Evaluation in the browser (issue 15): the coordinator writes a section, generates the annual
report, the final report and the application dossier, and downloads them; pdftotext finds the
expected sections and figures. The ARS reviewer opens the scorecard read-only: no edit control,
and a POST is refused. Screenshots for docs/guide/evaluation.md."""

import io
import subprocess
import zipfile

import pytest
from django.utils import timezone

from pimm.evaluation import models as ev
from pimm.evaluation import selectors
from pimm.evaluation.figures import fmt
from tests.e2e.conftest import login, menu, shot

GENERATION_MS = 240_000  # the test settings run the task in the request: a busy machine is slow
SUMMARY = "Première année du plateau : les lignes de PDSES sont mutualisées."


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def _flat(text: str) -> str:
    return " ".join(text.split())


def _download(page, testid: str, folder, name: str):
    with page.expect_download() as info:
        page.click(f"[data-testid={testid}]")
    path = folder / name
    info.value.save_as(path)
    return path


def _pdf_text(path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return _flat(out.stdout.decode())


def _odt_text(path) -> str:
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as z:
        return z.read("content.xml").decode()


def _generate(page, kind: str, year: int | None = None) -> None:
    """Prepare a document from the reports page, then generate it from its draft page."""
    page.click("nav.subnav a:has-text('Rapports')")
    page.select_option("#id_kind", kind)
    if year is not None:
        page.fill("#id_year", str(year))
    page.click("#draft-form button[type=submit]")
    page.wait_for_url("**/rapports/preparation/**")


def test_coordinator_generates_and_downloads_the_reports_and_the_dossier(page, media):
    p = selectors.platform()
    today = timezone.localdate()
    year = selectors.current_year(p, today)
    login(page, "coordinateur")
    menu(page, "Évaluation")
    page.wait_for_selector("#indicators")
    shot(page, "evaluation-indicateurs", full_page=True)
    # a missing indicator says why, never zero
    missing = page.locator("tr[data-code=doses_above_nrd] [data-testid=missing]")
    assert "doses" in missing.inner_text()
    # the ledger's figure is computed from the demo's closed months, not missing
    assert page.locator("tr[data-code=financial_balance] [data-testid=missing]").count() == 0
    page.click("tr[data-code=fill_rate] a")
    page.wait_for_selector("#definition")
    assert page.locator("figure.chart svg[role=img]").count() == 1
    shot(page, "evaluation-indicateur", full_page=True)

    # the annual report of the current authorisation year: provisional
    _generate(page, "annual", year.year)
    assert page.locator("[data-testid=provisional]").is_visible()
    summary = page.locator("textarea").first
    summary.fill(SUMMARY)
    page.click("button[name=generate]", timeout=GENERATION_MS)
    page.wait_for_selector("#report-progress[data-status=ready]")
    shot(page, "evaluation-rapport")
    annual = _pdf_text(_download(page, "download-pdf", media, "annuel.pdf"))
    for expected in (
        "Rapport d'étape annuel",
        "Synthèse de l'année",
        SUMMARY,
        "État des engagements",
        "Critères de sélection de l'ARS",
        "Indicateurs de la période",
        "PROVISOIRE",
        "Figure 1 — ",
        f"Année {year.year} : {year.start:%d/%m/%Y}",
        "[fill_rate]",
        "Donnée manquante",
    ):
        assert expected in annual, expected
    # the figure in the PDF is the one the indicator page shows, for the same period
    report = ev.Report.objects.get(draft__kind=ev.ReportKind.ANNUAL)
    ctx = selectors.context(p, report.period_start, report.period_end, today=today)
    fill = selectors.compute("fill_rate", ctx)
    assert not fill.missing
    assert f"valeur de la période : {fmt(fill.headline)} %" in annual
    odt = _odt_text(_download(page, "download-odt", media, "annuel.odt"))
    assert SUMMARY in odt and "PROVISOIRE" in odt

    # the final report: years 1 to 7 with their trends
    _generate(page, "final")
    page.click("button[name=generate]", timeout=GENERATION_MS)
    page.wait_for_selector("#report-progress[data-status=ready]")
    final = _pdf_text(_download(page, "download-pdf", media, "final.pdf"))
    for expected in (
        "Rapport final",
        "Synthèse des sept années",
        "Tendances des années 1 à 7",
        "Valeur de chaque indicateur par année d'autorisation",
        f"[emergency_slots], années 1 à {year.year}",
        "PROVISOIRE",
    ):
        assert expected in final, expected

    # the dossier: the specification's sections, pre-filled, and the annexes still missing
    page.click("nav.subnav a:has-text('Dossier')")
    page.wait_for_selector("#checklist")
    checklist = selectors.annex_checklist(p)
    assert page.locator("#checklist tbody tr").count() == len(checklist)
    shot(page, "evaluation-dossier", full_page=True)
    _generate(page, "dossier")
    page.click("button[name=generate]", timeout=GENERATION_MS)
    page.wait_for_selector("#report-progress[data-status=ready]")
    dossier = _pdf_text(_download(page, "download-pdf", media, "dossier.pdf"))
    for expected in (
        "Structure porteuse et convention",
        "Membres et décisions de leurs instances",
        "Projet médical de chaque équipe",
        "Organisation de la permanence des soins (PDSES)",
        "Engagements socles et optionnels",
        "Moyens humains et matériels",
        "Interconnexion des systèmes d'information",
        "Modèle de financement",
        "Modalités et critères d'évaluation",
        "Liste de contrôle des pièces annexes",
        f"{len(checklist)} pièce(s) manquante(s) sur {len(checklist)}",
        p.name,
    ):
        assert expected in dossier, expected
    assert "PROVISOIRE" not in dossier
    assert ev.Report.objects.filter(status="ready").count() == 3


def test_the_ars_reviewer_reads_the_scorecard_and_cannot_write(page, media):
    coordinator = ev.ReportDraft.objects.count()
    login(page, "ars")
    menu(page, "Évaluation")
    page.click("nav.subnav a:has-text('Critères')")
    page.wait_for_selector("#criterion-financing")
    for n, (code, title) in enumerate(selectors.CRITERIA, start=1):
        assert page.locator(f"#criterion-{code} h2").inner_text() == f"{n}. {title}"
    assert "Lecture seule." in page.inner_text("main")
    # no edit control: the only form is the period filter (GET)
    assert page.locator("main form[method=post]").count() == 0
    assert page.locator("main textarea, main input[type=file]").count() == 0
    shot(page, "evaluation-criteres-ars", full_page=True)
    page.click("nav.subnav a:has-text('Rapports')")
    assert page.locator("#draft-form").count() == 0
    # a POST forged with the reviewer's own session and CSRF token is refused
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    refused = page.request.post(
        page.base + "/evaluation/rapports/",
        form={"kind": "dossier", "csrfmiddlewaretoken": token},
        headers={"X-CSRFToken": token, "Referer": page.base + "/evaluation/rapports/"},
    )
    assert refused.status == 403
    assert ev.ReportDraft.objects.count() == coordinator
