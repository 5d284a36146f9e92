"""A signed report leaves as ORU^R01 to each channel of the exam's member with an endpoint:
queued in the signature's transaction, sent after, retried with back-off, then dead-lettered."""

import datetime as dt
import socket
import threading

import pytest

from pimm.interop.hl7 import codec, outbox
from pimm.interop.hl7.models import OutboundMessage
from pimm.interop.models import Channel
from pimm.worklist import services
from tests.worklist.conftest import T0, minutes, reload

pytestmark = pytest.mark.django_db


def signed_exam(world, make_reader, make_exam, text="Pas d'anomalie.\nConclusion : normal."):
    reader = make_reader(world.member_a, [world.site_a], present_from=T0 - minutes(60))
    exam = make_exam(world.site_a, "inpatient")
    services.exam_route(exam_id=exam.pk, now=T0)
    services.exam_open(exam=reload(exam), reader=reader, at=T0 + minutes(1))
    services.report_save(exam=reload(exam), reader=reader, text=text)
    services.report_sign(exam=reload(exam), reader=reader, at=T0 + minutes(5))
    return reload(exam), reader


@pytest.fixture
def endpoint(world):
    def make(member, port=1, name="SIH sortant"):
        ch = Channel.objects.create(
            name=name,
            kind="hl7",
            member=member,
            sending_application=name,
            sending_facility="F",
            outbound_host="127.0.0.1",
            outbound_port=port,
        )
        return ch

    return make


def test_sign_queues_one_oru_per_channel_of_the_member(world, endpoint, make_reader, make_exam):
    mine = endpoint(world.member_a)
    endpoint(world.member_b, name="SIH B")  # another member's channel hears nothing
    Channel.objects.create(
        name="sans sortie",
        kind="hl7",
        member=world.member_a,
        sending_application="X",
        sending_facility="Y",
    )
    exam, reader = signed_exam(world, make_reader, make_exam)
    queued = list(OutboundMessage.objects.filter(exam=exam))
    assert [m.channel for m in queued] == [mine]
    oru = codec.hl7.parse(queued[0].payload)
    assert codec.get(oru, "MSH.F9.R1.C1") + codec.get(oru, "MSH.F9.R1.C2") == "ORUR01"
    assert codec.get(oru, "OBR.F25") == "F" and codec.get(oru, "OBX.F5") == "Pas d'anomalie."
    assert exam.patient.family_name not in queued[0].payload  # pseudonym or IPP only
    services.report_amend(exam=exam, reader=reader, text="Avenant")
    amended = OutboundMessage.objects.filter(exam=exam, amended=True).get()
    assert codec.get(codec.hl7.parse(amended.payload), "OBR.F25") == "C"


def test_retries_with_backoff_then_dead_letter(world, endpoint, make_reader, make_exam):
    endpoint(world.member_a)
    exam, _ = signed_exam(world, make_reader, make_exam)
    message = OutboundMessage.objects.get(exam=exam)
    calls = []

    def refuse(host, port, payload, **kw):
        calls.append(payload)
        raise ConnectionRefusedError("refused")

    now = message.next_try_at
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        assert (
            outbox.deliver_due(now=now, send=refuse)[
                "failed" if attempt < outbox.MAX_ATTEMPTS else "dead"
            ]
            == 1
        )
        message.refresh_from_db()
        assert message.attempts == attempt and "refused" in message.last_error
        if attempt < outbox.MAX_ATTEMPTS:
            assert message.next_try_at - now == outbox.backoff(attempt)
            assert outbox.deliver_due(now=now + dt.timedelta(seconds=1), send=refuse) == {
                "sent": 0,
                "failed": 0,
                "dead": 0,
            }  # not due yet
            now = message.next_try_at
    assert message.state == "dead" and len(calls) == outbox.MAX_ATTEMPTS
    assert outbox.backoff(1) < outbox.backoff(2) < outbox.backoff(3)
    outbox.requeue(message=message)
    assert outbox.deliver_due(send=lambda *a, **k: b"MSH|^~\\&|X\rMSA|AA|1")["sent"] == 1
    message.refresh_from_db()
    assert message.state == "sent" and message.sent_at is not None


def test_ae_from_the_receiver_is_a_failure(world, endpoint, make_reader, make_exam):
    endpoint(world.member_a)
    signed_exam(world, make_reader, make_exam)
    counts = outbox.deliver_due(send=lambda *a, **k: b"MSH|^~\\&|X\rMSA|AE|1|non")
    assert counts["failed"] == 1
    assert "AE" in OutboundMessage.objects.get().last_error


def test_delivery_over_mllp_to_a_real_receiver(world, endpoint, make_reader, make_exam):
    received = []
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        conn, _ = listener.accept()
        with conn:
            data = b""
            while codec.FS not in data:
                data += conn.recv(65536)
            received.append(data)
            conn.sendall(codec.frame("MSH|^~\\&|HIS|A|PIMM|PIMM|20270101||ACK|1|P|2.5\rMSA|AA|X"))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    endpoint(world.member_a, port=port)
    signed_exam(world, make_reader, make_exam)
    assert outbox.deliver_due()["sent"] == 1
    thread.join(5)
    listener.close()
    assert received and b"ORU^R01" in received[0]
