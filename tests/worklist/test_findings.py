"""A critical finding keeps its own life after the report is signed (issue 17): signing with one
unacknowledged asks for confirmation, its communication is still logged and reminded after, the
coordinator closes it with a reason; the report's text is never lost (flagging from the report
form saves it, the draft is autosaved)."""

import pytest

from pimm.worklist import models as w
from pimm.worklist import services
from tests.worklist.conftest import T0, minutes, reload

from .test_reading import held  # noqa: F401 — the fixture

S = w.Exam.Status
pytestmark = pytest.mark.django_db


def _url(exam, tail=""):
    return f"/lecture/examens/{exam.pk}/{tail}"


def test_flagging_from_the_report_form_keeps_the_text(held, client_for):  # noqa: F811
    exam, _reader = held
    client = client_for("radiologist_a")
    text = "Hématome sous-dural aigu de 12 mm. Effet de masse."
    r = client.post(_url(exam, "compte-rendu/"), {"text": text, "description": "HSD", "flag": "1"})
    assert r.status_code == 302
    assert w.Report.objects.get(exam=exam).text == text
    assert w.CriticalFinding.objects.get(exam=exam).description == "HSD"
    assert text in client.get(_url(exam)).content.decode()


def test_signing_with_an_open_finding_asks_then_the_finding_lives_on(held, client_for):  # noqa: F811
    exam, _reader = held
    client = client_for("radiologist_a")
    client.post(_url(exam, "compte-rendu/"), {"text": "CR.", "description": "EP", "flag": "1"})
    finding = w.CriticalFinding.objects.get(exam=exam)
    r = client.post(_url(exam, "compte-rendu/"), {"text": "CR complet.", "sign": "1"})
    assert r.status_code == 302 and r["Location"].endswith("?confirmer=1")
    assert reload(exam).status == S.ASSIGNED  # not signed without confirmation
    assert w.Report.objects.get(exam=exam).text == "CR complet."  # but the text is kept
    page = client.get(r["Location"]).content.decode()
    assert "Confirmer la signature" in page and 'name="confirm"' in page
    client.post(_url(exam, "compte-rendu/"), {"text": "CR complet.", "sign": "1", "confirm": "1"})
    assert reload(exam).status == S.SIGNED
    # after signing: reminded, then its communication logged and acknowledged by the reader
    assert services.findings_remind(now=T0 + minutes(30)) == 1
    page = client.get(_url(exam)).content.decode()
    assert "Tracer la communication" in page
    client.post(
        f"/lecture/critiques/{finding.pk}/communication/",
        {"recipient": "Dr Urgentiste", "channel": "phone", "acknowledged": "1"},
    )
    finding.refresh_from_db()
    assert finding.acknowledged_by == "Dr Urgentiste" and not finding.is_open
    assert services.findings_remind(now=T0 + minutes(90)) == 0


def test_coordinator_closes_a_finding_with_a_reason(held, client_for, world):  # noqa: F811
    exam, reader = held
    finding = services.finding_flag(exam=exam, reader=reader, description="Pneumothorax")
    url = f"/lecture/critiques/{finding.pk}/cloture/"
    for persona in ("radiologist_a", "reviewer", "manager_a"):
        assert client_for(persona).post(url, {"close_reason": "x"}).status_code in (403, 404)
    coordinator = client_for("coordinator")
    coordinator.post(url, {"close_reason": "  "})
    finding.refresh_from_db()
    assert finding.is_open  # no reason, not closed
    coordinator.post(url, {"close_reason": "Patient transféré, prescripteur injoignable"})
    finding.refresh_from_db()
    assert not finding.is_open and finding.closed_by == world.users["coordinator"]
    assert services.findings_remind(now=T0 + minutes(60)) == 0  # reminders stop
    assert finding.history.count() >= 2  # audited


def test_draft_is_autosaved_for_its_reader_only(held, client_for):  # noqa: F811
    exam, _reader = held
    r = client_for("radiologist_a").post(_url(exam, "brouillon/"), {"text": "Début du CR"})
    assert r.status_code == 204
    assert w.Report.objects.get(exam=exam).text == "Début du CR"
    for persona in ("coordinator", "technologist_a"):
        r = client_for(persona).post(_url(exam, "brouillon/"), {"text": "x"})
        assert r.status_code in (403, 404)
    assert w.Report.objects.get(exam=exam).text == "Début du CR"
    page = client_for("radiologist_a").get(_url(exam)).content.decode()
    assert 'data-draft-key="pimm-report-' in page and "worklist/report.js" in page
