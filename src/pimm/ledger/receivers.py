"""The ledger subscribes to the worklist's ``report_signed``: an exam's entries are written in
the signature's transaction. A problem (no tariff for the date...) never blocks the signature:
the exam goes to the to-fix list."""

from django.dispatch import receiver
from django.utils import timezone

from pimm.ledger.services import write_exam_entries
from pimm.worklist.hooks import report_signed


@receiver(report_signed, dispatch_uid="ledger_entries_on_signature")
def _entries_on_signature(sender, *, exam, report, amended, actor=None, **kwargs):
    if amended:
        return  # the acts were written at the first signature
    write_exam_entries(
        [(exam, report.signed_by)],
        platform_id=exam.member.platform_id,
        today=timezone.localdate(report.signed_at or timezone.now()),
    )
