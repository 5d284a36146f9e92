"""Background work: thin tasks that call the service."""

from django.tasks import task

from pimm.interop.hl7.outbox import deliver_due


@task()
def deliver_outbox() -> None:
    deliver_due()
