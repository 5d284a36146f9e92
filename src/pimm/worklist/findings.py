"""Critical findings: flagged by the reader, chased until acknowledged by their recipient or
closed by coordination with a reason, whatever became of the report (signed or amended)."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pimm.registry.models import Practitioner

from . import models as w
from .services import S, WorklistError, _create, _held, _save

log = logging.getLogger(__name__)

REMINDER_EVERY = dt.timedelta(minutes=15)


@transaction.atomic
def finding_flag(
    *,
    exam: w.Exam,
    reader: Practitioner,
    description: str,
    actor=None,
    at: dt.datetime | None = None,
) -> w.CriticalFinding:
    if exam.status == S.SIGNED:
        if exam.reader_id != reader.pk:
            raise WorklistError(_("Cet examen n'est pas dans votre liste de lecture."))
    else:
        _held(exam, reader)
    return _create(
        w.CriticalFinding,
        actor,
        exam=exam,
        flagged_by=reader,
        description=description,
        flagged_at=at or timezone.now(),
    )


@transaction.atomic
def communication_record(
    *,
    finding: w.CriticalFinding,
    channel: str,
    recipient: str,
    acknowledged: bool,
    actor=None,
    note: str = "",
    at: dt.datetime | None = None,
) -> w.Communication:
    at = at or timezone.now()
    c = _create(
        w.Communication,
        actor,
        finding=finding,
        at=at,
        channel=channel,
        recipient=recipient,
        acknowledged=acknowledged,
        actor=actor,
        note=note,
    )
    if acknowledged and finding.acknowledged_at is None:
        finding.acknowledged_at, finding.acknowledged_by = at, recipient[:200]
        _save(finding, actor, update_fields=["acknowledged_at", "acknowledged_by"])
    return c


@transaction.atomic
def finding_close(
    *, finding: w.CriticalFinding, actor, reason: str, at: dt.datetime | None = None
) -> w.CriticalFinding:
    """Coordination closes a finding nobody could acknowledge (patient transferred, duplicate…)
    with its reason: the reminders stop, the finding and its communications stay on record."""
    if not getattr(actor, "is_platform_staff", False):
        raise PermissionDenied(_("Seule la coordination clôt un résultat critique."))
    reason = (reason or "").strip()
    if not reason:
        raise WorklistError({"close_reason": _("Indiquez le motif de la clôture.")})
    finding = w.CriticalFinding.objects.select_for_update().get(pk=finding.pk)
    if not finding.is_open:
        raise WorklistError(_("Ce résultat critique est déjà acquitté ou clos."))
    finding.closed_at, finding.closed_by, finding.close_reason = at or timezone.now(), actor, reason
    _save(finding, actor, update_fields=["closed_at", "closed_by", "close_reason"])
    return finding


def open_findings(*, exam: w.Exam) -> list[w.CriticalFinding]:
    """The exam's findings still to chase (signing with one asks for confirmation)."""
    return list(
        w.CriticalFinding.objects.filter(
            exam=exam, acknowledged_at__isnull=True, closed_at__isnull=True
        )
    )


@transaction.atomic
def findings_remind(*, now: dt.datetime) -> int:
    """One reminder per open finding every ``REMINDER_EVERY`` (signed report or not, until it is
    acknowledged or closed by coordination); returns how many."""
    sent = 0
    for f in w.CriticalFinding.objects.filter(
        acknowledged_at__isnull=True, closed_at__isnull=True
    ).select_related("exam"):
        last = f.last_reminder_at or f.flagged_at
        if now - last < REMINDER_EVERY:
            continue
        f.reminders += 1
        f.last_reminder_at = now
        _save(f, None, update_fields=["reminders", "last_reminder_at"])
        _create(
            w.Communication,
            None,
            finding=f,
            at=now,
            channel=w.Communication.Channel.REMINDER,
            recipient=_("prescripteur (relance %(n)d)") % {"n": f.reminders},
            note=_("Résultat critique non acquitté"),
        )
        log.warning("worklist: critical finding %s reminder %s", f.pk, f.reminders)
        sent += 1
    return sent
