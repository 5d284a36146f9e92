"""Canary identities: a planted patient's name, birth date and NIR must appear nowhere except
on the exam page of the reader who holds the exam (pages, API, audit trail, history, logs,
error pages)."""

import datetime as dt
import json
import logging

from django.apps import apps
from django.test import RequestFactory
from django.views.defaults import page_not_found, server_error

from pimm.accounts.models import AuditEvent
from pimm.accounts.roles import Role
from pimm.accounts.services import api_token_create, user_create
from pimm.oncall.services import presence as oncall_presence
from pimm.registry import models as m
from pimm.worklist import models as w
from pimm.worklist import services
from tests.conftest import PASSWORD
from tests.worklist.conftest import T0, minutes, reload

FAMILY, GIVEN, NIR = "Canarioux", "Zébulonne", "299117512345688"
BIRTH = dt.date(1911, 11, 11)
CANARIES = [FAMILY, FAMILY.upper(), GIVEN, NIR, "1911-11-11", "11/11/1911", "11 novembre 1911"]


def leaks(text: str) -> list[str]:
    return [c for c in CANARIES if c.lower() in text.lower()]


def test_canary_identity_only_on_the_readers_exam_page(
    world, make_reader, make_exam, client_for, caplog
):
    caplog.set_level(logging.DEBUG)
    reader = world.users["radiologist_a"].practitioner
    reader.sites.add(world.site_a)
    oncall_presence.presence_create(
        practitioner=reader, start=T0 - minutes(60), end=T0 + minutes(600), site=world.site_a
    )
    other_user = user_create(username="t-rad-2", password=PASSWORD, role=Role.RADIOLOGIST)
    make_reader(world.member_a, [world.site_a], present_from=T0 - minutes(60))
    m.Practitioner.objects.filter(last_name__startswith="Lecteur").update(user=other_user)
    patient = services.patient_get_or_create(
        family_name=FAMILY, given_name=GIVEN, birth_date=BIRTH, nir=NIR
    )
    exam = make_exam(world.site_a, "outpatient", patient=patient)
    v = reload(exam).routing_version
    services.exam_assign(exam_id=exam.pk, reader_id=reader.pk, expected_version=v, at=T0)
    second = make_exam(world.site_a, "emergency", patient=patient, at=T0 + minutes(1))
    services.exam_route(exam_id=second.pk, now=T0 + minutes(1))  # grouped with the same reader
    services.worklist_tick(now=T0 + minutes(30))
    finding = services.finding_flag(exam=exam, reader=reader, description="Embolie pulmonaire")
    services.communication_record(
        finding=finding, channel="phone", recipient="Dr Garde", acknowledged=False
    )

    # the one place where identity is allowed
    holder = client_for("radiologist_a")
    page = holder.get(f"/lecture/examens/{exam.pk}/").content.decode()
    assert FAMILY in page and NIR in page and "11/11/1911" in page
    assert w.AccessLog.objects.filter(exam=exam).count() == 1

    outputs: dict[str, str] = {}
    # the finding is not acknowledged: signing is confirmed
    holder.post(
        f"/lecture/examens/{exam.pk}/compte-rendu/", {"text": "RAS.", "sign": "1", "confirm": "1"}
    )
    outputs["holder queue"] = holder.get("/lecture/").content.decode()
    outputs["holder queue rows"] = holder.get("/lecture/file/").content.decode()
    outputs["holder exam list"] = holder.get("/lecture/examens/").content.decode()
    outputs["holder signed exam"] = holder.get(f"/lecture/examens/{exam.pk}/").content.decode()
    other = client_for(None)
    other.force_login(other_user)
    outputs["other reader queue"] = other.get("/lecture/").content.decode()
    outputs["other reader exam"] = other.get(f"/lecture/examens/{second.pk}/").content.decode()
    pages = (
        "/lecture/coordination/",
        "/lecture/coordination/live/",
        "/lecture/examens/",
        f"/lecture/examens/{exam.pk}/",
        f"/lecture/examens/{second.pk}/",
        "/lecture/examens/99999999/",
    )
    for persona in ("coordinator", "reviewer", "secretary_a", "technologist_a"):
        c = client_for(persona)
        for url in pages:
            outputs[f"{persona} {url}"] = c.get(url).content.decode()
        token = api_token_create(user=world.users[persona], name="canary")[1]
        r = c.get("/api/worklist/exams", headers={"Authorization": f"Bearer {token}"})
        outputs[f"{persona} api exams"] = r.content.decode()
    coordinator = client_for("coordinator")
    for url in (
        "/",
        "/comptes/audit/",
        "/comptes/audit/?model=patient",
        "/api/worklist/turnaround",
    ):
        outputs[f"coordinator {url}"] = coordinator.get(url).content.decode()
    rf = RequestFactory()
    outputs["404"] = page_not_found(rf.get("/x"), Exception("missing")).content.decode()
    outputs["500"] = server_error(rf.get("/x")).content.decode()
    outputs["audit events"] = json.dumps(
        list(AuditEvent.objects.values("object_repr", "changes", "reason")), default=str
    )
    for model in apps.get_app_config("worklist").get_models():
        if model.__name__.startswith("Historical"):
            outputs[model.__name__] = json.dumps(list(model.objects.values()), default=str)
    outputs["logs"] = caplog.text
    outputs["str"] = " ".join(str(o) for o in (patient, exam, exam.order, finding))
    found = {k: leaks(v) for k, v in outputs.items() if leaks(v)}
    assert found == {}
    assert reload(exam).status == "signed"
    assert "PAT-" in outputs["coordinator /lecture/examens/"]
