"""Report generation: the annual report, the final report and the dossier as PDF (pdftotext finds
the sections and a figure naming its indicator and period) and as ODT; a period not yet closed
is provisional, a closed one is not; generation runs as a task with its progress in the page."""

import datetime as dt
import io
import subprocess
import zipfile

import pytest
from django.urls import reverse

from pimm.evaluation import documents, selectors, services
from pimm.evaluation import models as ev
from tests import clock
from tests.evaluation.conftest import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def pdf_text(report) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", report.pdf.path, "-"], capture_output=True, text=True, check=True
    ).stdout


def odt_text(report) -> str:
    with report.odt.open("rb") as fh, zipfile.ZipFile(io.BytesIO(fh.read())) as z:
        return z.read("content.xml").decode()


@pytest.fixture
def commitments(world):
    coord = world.users["coordinator"]
    year = selectors.current_year(world.platform, clock.TODAY)
    services.commitment_save(
        actor=coord,
        commitment=ev.Commitment(
            platform=world.platform,
            topic=ev.Topic.PDSES,
            title="Lignes de PDSES pourvues",
            target="≥ 95 % des gardes pourvues",
            target_value=95,
            period_start=year.start,
            period_end=year.end - dt.timedelta(days=1),
            indicators=["fill_rate"],
        ),
    )
    return year


def test_annual_report_of_the_current_year_is_provisional(world, media, commitments):
    coord = world.users["coordinator"]
    draft = services.draft_create(actor=coord, kind=ev.ReportKind.ANNUAL, year=commitments.year)
    summary = draft.sections.get(key="summary")
    services.section_save(actor=coord, section=summary, text="Une année de mise en place.")
    report = services.report_start(actor=coord, draft=draft)
    assert report.status == "ready", report.message
    assert report.provisional and report.progress == 100
    text = pdf_text(report)
    for heading in (
        "Synthèse de l'année",
        "Une année de mise en place.",
        "État des engagements",
        "Lignes de PDSES pourvues",
        "Critères de sélection de l'ARS",
        "Indicateurs de la période",
        "PROVISOIRE",
    ):
        assert heading in text, heading
    # a figure names its indicator and its period
    assert "Figure 1 — " in text
    assert f"Année {commitments.year} : {commitments.start:%d/%m/%Y}" in text
    assert "[fill_rate]" in text
    # missing data is said, not zero
    assert "Donnée manquante" in text and "ledger" in text
    content = odt_text(report)
    assert draft.title in content and "PROVISOIRE" in content and "Pictures/figure1.svg" in content


def test_annual_report_of_a_closed_year_is_not_provisional(world, media):
    p = world.platform
    p.authorized_on = clock.TODAY.replace(year=clock.TODAY.year - 2)
    p.save()
    coord = world.users["coordinator"]
    draft = services.draft_create(actor=coord, kind=ev.ReportKind.ANNUAL, year=1)
    report = services.report_start(actor=coord, draft=draft)
    assert report.status == "ready", report.message
    assert not report.provisional
    assert "PROVISOIRE" not in pdf_text(report)


def test_final_report_shows_the_years_trends(world, media):
    coord = world.users["coordinator"]
    report = services.report_start(
        actor=coord, draft=services.draft_create(actor=coord, kind=ev.ReportKind.FINAL)
    )
    assert report.status == "ready", report.message
    text = pdf_text(report)
    assert "Tendances des années 1 à 7" in text and "année 1" in text
    assert "[emergency_slots], années 1 à 1" in text
    assert report.provisional  # seven years are not over


def test_dossier_follows_the_specification_and_lists_missing_annexes(world, media):
    coord = world.users["coordinator"]
    services.annex_add(actor=coord, kind=ev.AnnexKind.CONVENTION, attachment=upload())
    draft = services.draft_create(actor=coord, kind=ev.ReportKind.DOSSIER)
    report = services.report_start(actor=coord, draft=draft)
    assert report.status == "ready", report.message
    text = " ".join(pdf_text(report).split())
    for heading in (
        "Structure porteuse et convention",
        "Membres et décisions de leurs instances",
        "Projet médical de chaque équipe",
        "Organisation de la permanence des soins",
        "Engagements socles et optionnels",
        "Moyens humains et matériels",
        "Interconnexion des systèmes d'information",
        "Modèle de financement",
        "Modalités et critères d'évaluation",
        "Pièces annexes",
    ):
        assert heading in text, heading
    assert world.member_a.name in text and world.platform.name in text  # pre-filled
    checklist = selectors.annex_checklist(world.platform)
    missing = [a for a in checklist if not a.present]
    assert f"{len(missing)} pièce(s) manquante(s) sur {len(checklist)}" in text
    assert not any(a.kind == "convention" for a in missing)
    assert not report.provisional


def test_generation_from_the_page_shows_progress_and_downloads(world, media, client_for):
    client = client_for("coordinator")
    created = client.post(reverse("evaluation:reports"), {"kind": "dossier"})
    draft = ev.ReportDraft.objects.get()
    assert created.url == draft.get_absolute_url()
    done = client.post(draft.get_absolute_url(), {"generate": "1"})
    report = ev.Report.objects.get()
    assert done.url == report.get_absolute_url()
    page = client.get(report.get_absolute_url()).content.decode()
    assert 'data-status="ready"' in page and "Télécharger le PDF" in page
    pdf = client.get(reverse("evaluation:report_file", args=[report.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    odt = client.get(reverse("evaluation:report_file", args=[report.pk, "odt"]))
    assert odt["Content-Type"] == "application/vnd.oasis.opendocument.text"


def test_a_queued_report_polls_its_progress(world, media, client_for):
    draft = services.draft_create(actor=world.users["coordinator"], kind=ev.ReportKind.DOSSIER)
    queued = ev.Report.objects.create(
        draft=draft, period_start=clock.TODAY, period_end=clock.TODAY + dt.timedelta(days=1)
    )
    part = client_for("reviewer").get(reverse("evaluation:report_progress", args=[queued.pk]))
    text = part.content.decode()
    assert 'hx-trigger="every 1s"' in text and "En file d'attente" in text
    services.report_run(report_id=queued.pk)
    queued.refresh_from_db()
    assert queued.status == "ready" and queued.pdf


def test_a_failed_generation_says_why_and_writes_no_file(world, media, monkeypatch):
    def broken(content):
        raise RuntimeError("police introuvable")

    monkeypatch.setattr(documents, "to_pdf", broken)
    coord = world.users["coordinator"]
    report = services.report_start(
        actor=coord, draft=services.draft_create(actor=coord, kind=ev.ReportKind.DOSSIER)
    )
    assert report.status == "failed" and "police introuvable" in report.message
    assert not report.pdf and not report.odt
