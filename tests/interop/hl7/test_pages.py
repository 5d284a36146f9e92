"""Channel configuration, traffic and replay pages: who may do what, and what they do."""

import pytest

from pimm.interop.hl7 import samples as s
from pimm.interop.hl7.models import InboundMessage, OutboundMessage
from pimm.interop.models import Channel
from pimm.worklist.models import Order

from .conftest import APP, FAC, control_id, send

pytestmark = pytest.mark.django_db


def test_who_reads_and_writes_channels(world, channel, client_for):
    expected = {
        "coordinator": (200, 200, 200),
        "reviewer": (200, 403, 200),
        "manager_a": (200, 403, 404),
        "manager_b": (200, 403, 404),
        "secretary_a": (403, 403, 404),
        "radiologist_a": (403, 403, 404),
    }
    got = {}
    for persona in expected:
        c = client_for(persona)
        got[persona] = (
            c.get("/interfaces/hl7/canaux/").status_code,
            c.get("/interfaces/hl7/canaux/nouveau/").status_code,
            c.get(f"/interfaces/hl7/canaux/{channel.pk}/trafic/").status_code,
        )
    assert got == expected
    assert "SIH A" in client_for("manager_a").get("/interfaces/hl7/canaux/").content.decode()
    assert "SIH A" not in client_for("manager_b").get("/interfaces/hl7/canaux/").content.decode()


def test_coordinator_creates_a_channel_and_bad_input_writes_nothing(world, client_for):
    c = client_for("coordinator")
    base = {
        "name": "RIS A",
        "kind": "hl7",
        "member": world.member_a.pk,
        "sites": [world.site_a.pk],
        "active": "on",
        "sending_application": "RIS",
        "sending_facility": "A",
    }
    bad = c.post(
        "/interfaces/hl7/canaux/nouveau/",
        base | {"allowed_addresses": "pas une IP", "sites": [world.site_b.pk]},
    )
    assert bad.status_code == 200 and "Adresse ou réseau invalide" in bad.content.decode()
    assert "sites de son membre" in bad.content.decode()
    assert not Channel.objects.filter(name="RIS A").exists()
    ok = c.post("/interfaces/hl7/canaux/nouveau/", base | {"allowed_addresses": "10.0.0.0/8"})
    assert ok.status_code == 302
    ch = Channel.objects.get(name="RIS A")
    assert list(ch.sites.all()) == [world.site_a] and ch.history.count() == 1
    dicom = {
        "name": "IRM 1",
        "kind": "dicom",
        "member": world.member_a.pk,
        "sites": [world.site_a.pk],
        "ae_title": "IRM1",
        "equipment": world.equipment_a.pk,
    }
    assert c.post("/interfaces/hl7/canaux/nouveau/", dicom).status_code == 302
    assert Channel.objects.get(name="IRM 1").equipment == world.equipment_a


def test_traffic_search_and_replay_of_a_rejected_message(world, channel, client_for):
    person = s.Person(ipp="IPP-R1")
    wrong = s.order(APP, FAC, control_id(), person, placer="R100", site="NOWHERE")
    ack = send(wrong)
    assert ack["code"] == "AE"
    row = InboundMessage.objects.get(control_id=ack["control"])
    c = client_for("coordinator")
    page = c.get(f"/interfaces/hl7/canaux/{channel.pk}/trafic/", {"q": "R100"}).content.decode()
    assert ack["control"] in page and "refusé" in page
    reviewer = client_for("reviewer")
    assert reviewer.get(f"/interfaces/hl7/messages/{row.pk}/").status_code == 200
    assert reviewer.post(f"/interfaces/hl7/messages/{row.pk}/", {"text": wrong}).status_code == 403
    assert client_for("manager_b").get(f"/interfaces/hl7/messages/{row.pk}/").status_code == 404
    fixed = wrong.replace("^^^NOWHERE", f"^^^{world.site_a.code}")
    r = c.post(f"/interfaces/hl7/messages/{row.pk}/", {"text": fixed.replace("\r", "\n")})
    assert r.status_code == 302
    row.refresh_from_db()
    assert row.state == "applied" and row.replay_count == 1 and row.replayed_by is not None
    assert row.corrected and Order.objects.filter(placer_number="R100").count() == 1
    # an applied message is not replayed again
    assert c.post(f"/interfaces/hl7/messages/{row.pk}/", {"text": fixed}).status_code == 403


def test_dead_letter_is_requeued_by_the_coordinator(world, channel, client_for):
    from pimm.worklist.models import Exam

    exam = Exam.objects.filter(member=world.member_a).first()
    msg = OutboundMessage.objects.create(
        channel=channel,
        exam=exam,
        control_id="D1",
        payload="MSH|",
        state="dead",
        attempts=6,
        created_at=exam.scheduled_at,
    )
    assert (
        client_for("reviewer").post(f"/interfaces/hl7/sortants/{msg.pk}/renvoyer/").status_code
        == 403
    )
    assert (
        client_for("coordinator").post(f"/interfaces/hl7/sortants/{msg.pk}/renvoyer/").status_code
        == 302
    )
    msg.refresh_from_db()
    assert msg.state == "queued" and msg.attempts == 0
