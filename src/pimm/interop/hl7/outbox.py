"""Signed reports leave as ORU^R01: queued inside the signature's transaction (the hook),
delivered after commit by ``deliver_due`` (the ``hl7_deliver`` command or the task), with
exponential back-off and a dead-letter state after ``MAX_ATTEMPTS``."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from pimm.interop.hl7 import codec, server
from pimm.interop.hl7.codec import escape
from pimm.interop.hl7.models import OutboundMessage, PatientIdentifier
from pimm.interop.models import Channel
from pimm.worklist import hooks

log = logging.getLogger("pimm.interop.hl7")
MAX_ATTEMPTS = 6
BACKOFF_FIRST = dt.timedelta(seconds=30)
BACKOFF_MAX = dt.timedelta(hours=1)
SEND_TIMEOUT = 10.0


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, 4 min… capped at one hour."""
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def oru(channel: Channel, exam, report, *, amended: bool, control_id: str) -> str:
    now = timezone.now().astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")
    ipp = (
        PatientIdentifier.objects.filter(member=channel.member, patient_id=exam.patient_id)
        .values_list("ipp", flat=True)
        .first()
    )
    ids = f"{escape(ipp)}^^^{escape(channel.sending_facility)}^PI" if ipp else ""
    ids = ids or f"{escape(str(exam.patient))}^^^PIMM^PN"  # the pseudonym, never the identity
    placer = escape(exam.order.placer_number)
    signed = (report.signed_at or timezone.now()).astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")
    status = "C" if amended else "F"
    reader = report.signed_by
    who = f"{reader.rpps}&{escape(reader.last_name)}&{escape(reader.first_name)}" if reader else ""
    segments = [
        "|".join(
            [
                "MSH",
                "^~\\&",
                "PIMM",
                "PIMM",
                escape(channel.sending_application),
                escape(channel.sending_facility),
                now,
                "",
                "ORU^R01^ORU_R01",
                control_id,
                "P",
                "2.5",
                "",
                "",
                "",
                "",
                "FRA",
                "UNICODE UTF-8",
            ]
        ),
        f"PID|1||{ids}",
        f"ORC|RE|{placer}|{escape(exam.accession_number)}",
        "|".join(
            ["OBR", "1", placer, escape(exam.accession_number), f"^{escape(exam.exam_type)}"]
            + [""] * 17
            + [signed, "", exam.modality, status]
            + [""] * 6
            + [who]
        ),
    ]
    for n, line in enumerate(report.text.splitlines() or [""], 1):
        segments.append(f"OBX|{n}|TX|18782-3^Compte rendu^LN||{escape(line)}||||||{status}")
    return "\r".join(segments) + "\r"


@receiver(hooks.report_signed, dispatch_uid="interop.hl7.queue_oru")
def queue_oru(sender, exam, report, amended: bool, actor=None, **kwargs) -> None:
    """One ORU^R01 per active HL7 channel of the exam's member that has an endpoint."""
    channels = Channel.objects.filter(
        kind=Channel.Kind.HL7, active=True, member_id=exam.member_id, outbound_port__isnull=False
    ).exclude(outbound_host="")
    now = timezone.now()
    queued = 0
    for channel in channels:
        control_id = "PIMM" + uuid.uuid4().hex[:16].upper()
        OutboundMessage.objects.create(
            channel=channel,
            exam=exam,
            amended=amended,
            control_id=control_id,
            placer_number=exam.order.placer_number,
            payload=oru(channel, exam, report, amended=amended, control_id=control_id),
            created_at=now,
            next_try_at=now,
        )
        queued += 1
    if queued:
        transaction.on_commit(_enqueue_delivery)


def _enqueue_delivery() -> None:
    from pimm.interop.hl7 import tasks  # noqa: PLC0415 — tasks import this module

    try:
        tasks.deliver_outbox.enqueue()
    except Exception:  # no task backend: the hl7_deliver command will send it
        log.exception("ORU delivery not enqueued")


def deliver(message: OutboundMessage, *, send=server.send, now: dt.datetime | None = None) -> bool:
    """One attempt; True when the receiver accepted (AA/CA)."""
    now = now or timezone.now()
    channel = message.channel
    error = ""
    try:
        reply = send(
            channel.outbound_host,
            channel.outbound_port,
            message.payload,
            timeout=SEND_TIMEOUT,
            tls=channel.outbound_tls,
        )
        code = codec.ack_code_of(reply)
        if code not in ("AA", "CA"):
            error = f"Acquittement {code or 'illisible'} du destinataire."
    except (OSError, ConnectionError) as exc:
        error = f"Envoi impossible : {exc.__class__.__name__} {exc}"[:500]
    message.attempts += 1
    if not error:
        message.state, message.sent_at, message.last_error = OutboundMessage.State.SENT, now, ""
        message.next_try_at = None
    elif message.attempts >= MAX_ATTEMPTS:
        message.state, message.last_error, message.next_try_at = "dead", error, None
    else:
        message.last_error, message.next_try_at = error, now + backoff(message.attempts)
    message.save(update_fields=["state", "attempts", "sent_at", "last_error", "next_try_at"])
    return not error


def deliver_due(*, now: dt.datetime | None = None, send=server.send) -> dict[str, int]:
    """Every queued message whose time has come, oldest first; a channel that fails is not
    tried again in this run (its later messages keep their order)."""
    now = now or timezone.now()
    failed: set[int] = set()
    counts = {"sent": 0, "failed": 0, "dead": 0}
    due = OutboundMessage.objects.filter(
        state=OutboundMessage.State.QUEUED, next_try_at__lte=now
    ).select_related("channel")
    for message in due.order_by("pk"):
        if message.channel_id in failed:
            continue
        if deliver(message, send=send, now=now):
            counts["sent"] += 1
        else:
            failed.add(message.channel_id)
            counts["dead" if message.state == "dead" else "failed"] += 1
    return counts


@transaction.atomic
def requeue(*, message: OutboundMessage) -> OutboundMessage:
    """A dead letter sent again from the start (the coordinator's replay)."""
    message = OutboundMessage.objects.select_for_update().get(pk=message.pk)
    message.state, message.attempts = OutboundMessage.State.QUEUED, 0
    message.next_try_at = timezone.now()
    message.save(update_fields=["state", "attempts", "next_try_at"])
    return message
