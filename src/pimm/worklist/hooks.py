"""What the worklist publishes to the rooms above it (interop, ledger, evaluation).

``report_signed`` is sent when a report is signed, and again when a signed report is amended
(``amended=True``), from inside the writer's transaction: a receiver that writes (an outbound
ORU in interop's outbox, the acts of the ledger) commits or rolls back with the signature.
Receivers must not do network I/O here: they queue, and deliver after commit. The worklist
never imports its subscribers.
"""

from django.dispatch import Signal

# kwargs: exam (worklist.Exam), report (worklist.Report), amended (bool), actor (user | None)
report_signed = Signal()


def signed(*, exam, report, amended: bool, actor=None) -> None:
    report_signed.send(sender=type(report), exam=exam, report=report, amended=amended, actor=actor)
