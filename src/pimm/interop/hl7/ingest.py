"""One inbound message, from bytes to ACK: stored, checked, applied, acknowledged — in one
transaction, so the row, what it changed in the worklist and the ACK it got commit together
before the ACK leaves (a crash before the commit leaves nothing, and the sender, not ACKed,
resends).

A resend (same MSH-3, MSH-4, MSH-10) meets the unique constraint and gets the stored ACK back,
changing nothing. Messages of one sender are applied one at a time, in arrival order (a lock
per sender in this process; across processes the unique index and the database's write lock
do the same). A replay (the coordinator's correction) runs the same path on the stored row.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.utils import timezone

from pimm.interop.hl7 import apply as applying
from pimm.interop.hl7 import codec
from pimm.interop.hl7.models import InboundMessage

log = logging.getLogger("pimm.interop.hl7")
State = InboundMessage.State

_locks: dict[tuple[str, str], threading.Lock] = defaultdict(threading.Lock)
_locks_guard = threading.Lock()


def sender_lock(head: codec.Header | None) -> threading.Lock:
    key = (head.sending_application, head.sending_facility) if head else ("", "")
    with _locks_guard:
        return _locks[key]


def _header_or_none(raw: bytes) -> codec.Header | None:
    try:
        return codec.read_header(raw)
    except codec.Hl7Error:
        return None


def _process(row: InboundMessage, raw: bytes, peer: str | None) -> None:
    """Parse, check and apply ``raw`` for ``row`` (inside the caller's transaction); sets the
    row's state, reason and ACK. Worklist writes roll back to a savepoint on any refusal."""
    head = _header_or_none(raw)
    try:
        parsed = codec.parse(raw)
        head = parsed.head
        row.message_type = head.message_type
        row.placer_number = applying.placer_of(parsed.message)[:64]  # searchable even if refused
        channel = applying.channel_for(head, peer)
        row.channel = channel
        with transaction.atomic():
            outcome = applying.apply(channel, parsed)
    except codec.Hl7Error as exc:
        row.state, row.reason, row.ack_code = State.REJECTED, exc.reason, exc.ack
        row.ack = codec.build_ack(head, exc.ack, reason=exc.reason, error=exc.code, where=exc.where)
        return
    except Exception as exc:  # a bug or a database refusal: kept as failed, replayable
        log.exception("HL7 message %s failed", row.control_id)
        reason = f"Erreur interne lors de l'application : {exc.__class__.__name__}."
        row.state, row.reason, row.ack_code = State.FAILED, reason, "AE"
        row.ack = codec.build_ack(head, "AE", reason=reason, error=codec.E_INTERNAL)
        return
    row.placer_number = outcome.placer_number or row.placer_number
    row.state, row.ack_code = State.APPLIED, "AA"
    row.reason = "; ".join(outcome.notes)[:1000]
    row.ack = codec.build_ack(head, "AA")


def receive(raw: bytes, *, peer: str | None, too_long: int = 0) -> str:
    """Store and apply one message read from ``peer``; returns the ACK text to send.
    ``too_long``: the frame exceeded the limit (``raw`` is its beginning only)."""
    head = _header_or_none(raw)
    now = timezone.now()
    fields = {
        "peer": (peer or "")[:64],
        "raw": raw,
        "received_at": now,
        "sending_application": head.sending_application if head else "",
        "sending_facility": head.sending_facility if head else "",
        "control_id": head.control_id if head else "",
        "message_type": head.message_type if head else "",
    }
    with sender_lock(head):
        try:
            with transaction.atomic():
                row = InboundMessage.objects.create(**fields)
                if too_long:
                    reason = f"Message trop long ({too_long} octets, au plus {len(raw)})."
                    row.state, row.reason, row.ack_code = State.REJECTED, reason, "AR"
                    row.ack = codec.build_ack(head, "AR", reason=reason, error=codec.E_DATA)
                else:
                    _process(row, raw, peer)
                row.processed_at = timezone.now()
                row.save()
                return row.ack
        except IntegrityError:
            pass
    original = InboundMessage.objects.filter(
        sending_application=fields["sending_application"],
        sending_facility=fields["sending_facility"],
        control_id=fields["control_id"],
    ).first()
    if original is None or not original.ack:  # cannot happen: the row commits with its ACK
        return codec.build_ack(head, "AE", reason="Message en cours de traitement.")
    return original.ack


@transaction.atomic
def replay(*, message: InboundMessage, text: str, actor) -> InboundMessage:
    """Apply a rejected or failed message again, as corrected by the coordinator. The sender
    already had its ACK: the new outcome is kept on the row, not sent."""
    row = InboundMessage.objects.select_for_update().get(pk=message.pk)
    if row.state not in (State.REJECTED, State.FAILED):
        raise ValueError(row.state)
    text = text.replace("\r\n", "\r").replace("\n", "\r").strip()
    if text != bytes(row.raw).decode("utf-8", errors="replace").strip():
        row.corrected = text
    head = _header_or_none(text.encode("utf-8"))
    if head is not None and head.charset and codec.CHARSETS.get(head.charset) != "utf-8":
        # the corrected text is Unicode: read it as UTF-8 whatever MSH-18 says
        text = text.replace(head.fields[18], "UNICODE UTF-8", 1) if len(head.fields) > 18 else text
    _process(row, text.encode("utf-8"), None)
    row.processed_at = row.replayed_at = timezone.now()
    row.replayed_by = actor
    row.replay_count += 1
    row.save()
    return row
