"""Reading: the reader opens (identity logged), writes, signs; critical findings and reminders."""

import io

import pytest
from django.core.management import call_command

from pimm.worklist import models as w
from pimm.worklist import services
from pimm.worklist.tasks import worklist_tick_task
from tests.worklist.conftest import T0, minutes, reload

S = w.Exam.Status


@pytest.fixture
def held(world, make_exam):
    """An exam held by the radiologist persona's practitioner."""
    reader = world.users["radiologist_a"].practitioner
    reader.sites.add(world.site_a)
    exam = make_exam(world.site_a)
    v = reload(exam).routing_version
    assert services.exam_assign(exam_id=exam.pk, reader_id=reader.pk, expected_version=v, at=T0)
    return reload(exam), reader


def test_report_sign_flow(held, client_for):
    exam, reader = held
    client = client_for("radiologist_a")
    page = client.get(f"/lecture/examens/{exam.pk}/")
    assert page.status_code == 200
    assert exam.patient.family_name in page.content.decode()
    assert w.AccessLog.objects.filter(exam=exam, user__username="t-rad-a").count() == 1
    assert w.Assignment.objects.get(exam=exam, ended_at__isnull=True).opened_at is not None
    assert "pacs.invalid/viewer?study=" + exam.study_uid in page.content.decode()
    # empty report cannot be signed
    client.post(f"/lecture/examens/{exam.pk}/compte-rendu/", {"text": " ", "sign": "1"})
    assert reload(exam).status == S.ASSIGNED
    client.post(f"/lecture/examens/{exam.pk}/compte-rendu/", {"text": "Brouillon", "save": "1"})
    assert w.Report.objects.get(exam=exam).status == "draft"
    r = client.post(f"/lecture/examens/{exam.pk}/compte-rendu/", {"text": "Normal.", "sign": "1"})
    assert r.status_code == 302
    report = w.Report.objects.get(exam=exam)
    assert (report.status, report.text, report.signed_by_id) == ("signed", "Normal.", reader.pk)
    assert reload(exam).status == S.SIGNED
    # signed: no more identity, no more editing except an amendment by the signer
    page = client.get(f"/lecture/examens/{exam.pk}/")
    assert exam.patient.family_name not in page.content.decode()
    with pytest.raises(services.WorklistError):
        services.report_save(exam=exam, reader=reader, text="changed")
    client.post(f"/lecture/examens/{exam.pk}/compte-rendu/", {"text": "Avenant.", "amend": "1"})
    assert w.Report.objects.get(exam=exam).status == "amended"


def test_other_user_cannot_report(held, client_for):
    exam, _reader = held
    for persona in ("coordinator", "technologist_a", "reviewer"):
        r = client_for(persona).post(
            f"/lecture/examens/{exam.pk}/compte-rendu/", {"text": "x", "sign": "1"}
        )
        assert r.status_code in (403, 404), persona
    assert not w.Report.objects.filter(exam=exam).exists()


@pytest.mark.parametrize("runner", ["service", "command", "task"])
def test_critical_finding_reminded_until_acknowledged(held, runner, settings):
    exam, reader = held
    finding = services.finding_flag(exam=exam, reader=reader, description="Pneumothorax", at=T0)
    services.communication_record(
        finding=finding, channel="phone", recipient="Dr Urgentiste", acknowledged=False, at=T0
    )

    def tick(at):
        if runner == "service":
            return services.worklist_tick(now=at)["reminders"]
        before = w.Communication.objects.filter(channel="reminder").count()
        if runner == "command":
            call_command("worklist_tick", stdout=io.StringIO())
        else:
            worklist_tick_task.enqueue()
        return w.Communication.objects.filter(channel="reminder").count() - before

    if runner != "service":  # the command and the task use the wall clock
        w.CriticalFinding.objects.filter(pk=finding.pk).update(flagged_at=T0.replace(year=2020))
        assert tick(None) == 1
        return
    assert tick(T0 + minutes(10)) == 0
    assert tick(T0 + minutes(16)) == 1
    assert tick(T0 + minutes(20)) == 0
    assert tick(T0 + minutes(32)) == 1
    services.communication_record(
        finding=finding,
        channel="phone",
        recipient="Dr Urgentiste",
        acknowledged=True,
        at=T0 + minutes(35),
    )
    assert tick(T0 + minutes(60)) == 0
    finding.refresh_from_db()
    assert (finding.reminders, finding.acknowledged_at) == (2, T0 + minutes(35))
    assert [c.channel for c in finding.communications.all()] == [
        "phone",
        "reminder",
        "reminder",
        "phone",
    ]


def test_finding_form_and_communication_log(held, client_for):
    exam, _reader = held
    client = client_for("radiologist_a")
    client.post(f"/lecture/examens/{exam.pk}/critique/", {"description": "Hématome"})
    finding = w.CriticalFinding.objects.get(exam=exam)
    client.post(
        f"/lecture/critiques/{finding.pk}/communication/",
        {"recipient": "Interne de garde", "channel": "phone", "acknowledged": "1"},
    )
    finding.refresh_from_db()
    assert finding.acknowledged_by == "Interne de garde"
    assert "Interne de garde" in client.get(f"/lecture/examens/{exam.pk}/").content.decode()
    # someone else cannot add to the log
    r = client_for("coordinator").post(
        f"/lecture/critiques/{finding.pk}/communication/",
        {"recipient": "x", "channel": "phone"},
    )
    assert r.status_code == 403
