"""Every role against every evaluation page: allowed and refused both asserted.

From the brief: the coordination (coordinator, administrator) writes; the ARS reviewer reads
everything read-only; member managers read; secretaries, technologists and radiologists are kept
out; signed-out users go to the login page. Missing objects and forbidden ones alike are 404."""

import pytest
from django.urls import reverse

from pimm.evaluation import models as ev
from pimm.evaluation import services
from tests import clock
from tests.evaluation.conftest import upload
from tests.personas import FORBIDDEN, FOUND, LOGIN, OK, PERSONAS

pytestmark = pytest.mark.django_db


def row(coord, admin, ars, manager, secretary, tech, radiologist):
    return dict(zip(PERSONAS, (LOGIN, coord, admin, ars, manager, secretary, tech, radiologist)))


READ = row(OK, OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN)
WRITE_PAGE = row(OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN)


@pytest.fixture
def objects(world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    coord = world.users["coordinator"]
    c = services.commitment_save(
        actor=coord,
        commitment=ev.Commitment(
            platform=world.platform,
            topic=ev.Topic.RCP,
            title="RCP",
            target="4 par mois",
            period_start=clock.month_start(-2),
            period_end=clock.month_end(9),
        ),
    )
    e = services.evidence_add(
        actor=coord, commitment=c, date=clock.TODAY, count=2, description="RCP", attachment=upload()
    )
    draft = services.draft_create(actor=coord, kind=ev.ReportKind.DOSSIER)
    report = services.report_start(actor=coord, draft=draft)
    annex = services.annex_add(actor=coord, kind=ev.AnnexKind.CONVENTION, attachment=upload())
    return {"commitment": c, "evidence": e, "draft": draft, "report": report, "annex": annex}


def _pages(o):
    return {
        "indicators": (reverse("evaluation:indicators"), READ),
        "indicator": (reverse("evaluation:indicator", args=["fill_rate"]), READ),
        "csv": (reverse("evaluation:indicator_csv", args=["fill_rate"]), READ),
        "scorecard": (reverse("evaluation:scorecard"), READ),
        "commitments": (reverse("evaluation:commitments"), READ),
        "commitment": (o["commitment"].get_absolute_url(), READ),
        "commitment create": (reverse("evaluation:commitment_create"), WRITE_PAGE),
        "commitment edit": (
            reverse("evaluation:commitment_edit", args=[o["commitment"].pk]),
            WRITE_PAGE,
        ),
        "evidence file": (reverse("evaluation:evidence_file", args=[o["evidence"].pk]), READ),
        "reports": (reverse("evaluation:reports"), READ),
        "draft": (o["draft"].get_absolute_url(), READ),
        "report": (o["report"].get_absolute_url(), READ),
        "progress": (reverse("evaluation:report_progress", args=[o["report"].pk]), READ),
        "pdf": (reverse("evaluation:report_file", args=[o["report"].pk, "pdf"]), READ),
        "odt": (reverse("evaluation:report_file", args=[o["report"].pk, "odt"]), READ),
        "dossier": (reverse("evaluation:dossier"), READ),
        "annex file": (reverse("evaluation:annex_file", args=[o["annex"].pk]), READ),
    }


def test_every_role_on_every_page(objects, client_for):
    got, want = {}, {}
    clients = {persona: client_for(persona) for persona in PERSONAS}
    for name, (url, expected) in _pages(objects).items():
        for persona in PERSONAS:
            want[(name, persona)] = expected[persona]
            response = clients[persona].get(url)
            got[(name, persona)] = response.status_code
    assert got == want


def test_missing_objects_are_404(objects, client_for):
    client = client_for("reviewer")
    for url in (
        reverse("evaluation:indicator", args=["no_such_indicator"]),
        reverse("evaluation:commitment_detail", args=[999999]),
        reverse("evaluation:report_file", args=[objects["report"].pk, "docx"]),
        reverse("evaluation:report_detail", args=[999999]),
    ):
        assert client.get(url).status_code == 404, url


def test_the_reviewer_and_managers_write_nothing(objects, client_for):
    c = objects["commitment"]
    posts = {
        reverse("evaluation:commitment_create"): {"topic": "rcp", "title": "x"},
        c.get_absolute_url(): {"date": "2027-01-01", "count": "1", "description": "x"},
        reverse("evaluation:reports"): {"kind": "final"},
        objects["draft"].get_absolute_url(): {"generate": "1"},
        reverse("evaluation:report_publish", args=[objects["report"].pk]): {},
        reverse("evaluation:dossier"): {"kind": "convention"},
    }
    before = (
        ev.Commitment.objects.count(),
        ev.Evidence.objects.count(),
        ev.ReportDraft.objects.count(),
        ev.Report.objects.count(),
        ev.Annex.objects.count(),
    )
    for persona in ("reviewer", "manager_a", "secretary_a", "radiologist_a"):
        client = client_for(persona)
        for url, data in posts.items():
            assert client.post(url, data).status_code == FORBIDDEN, (persona, url)
    after = (
        ev.Commitment.objects.count(),
        ev.Evidence.objects.count(),
        ev.ReportDraft.objects.count(),
        ev.Report.objects.count(),
        ev.Annex.objects.count(),
    )
    assert after == before
    objects["report"].refresh_from_db()
    assert objects["report"].status == "ready"


def test_the_coordinator_publishes_a_report(objects, client_for):
    response = client_for("coordinator").post(
        reverse("evaluation:report_publish", args=[objects["report"].pk])
    )
    assert response.status_code == FOUND
    objects["report"].refresh_from_db()
    assert objects["report"].status == "published"


def test_the_menu_shows_evaluation_to_readers_only(world, client_for):
    url = reverse("evaluation:indicators")
    for persona, shown in (
        ("coordinator", True),
        ("reviewer", True),
        ("manager_a", True),
        ("secretary_a", False),
        ("radiologist_a", False),
    ):
        page = client_for(persona).get(reverse("web:dashboard")).content.decode()
        assert (f'href="{url}"' in page) is shown, persona
