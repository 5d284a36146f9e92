"""Imports as background jobs: the upload view queues one, a task worker checks and writes it.

The rows are checked outside any transaction, and the job's row is updated every
`imports.PROGRESS_EVERY` rows in its own small autocommitted UPDATE, so the page polling the job
sees "n rows checked of N" and nothing else waits on it. The rows are then written all or nothing
in one transaction (`imports.registry_import`).
"""

import logging

from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from pimm.registry import access
from pimm.registry.imports import KINDS, registry_import
from pimm.registry.models import ImportJob, Site

log = logging.getLogger(__name__)
S = ImportJob.Status


def import_job_start(*, actor, kind: str, name: str, content: bytes) -> ImportJob:
    """Store the upload as a queued job and hand it to the task worker (the immediate backend of
    the tests runs it here)."""
    from pimm.registry.tasks import run_import  # noqa: PLC0415 — the task module imports this one

    if not access.can_create(actor, Site):
        raise PermissionDenied
    if kind not in KINDS:
        raise ValueError(kind)
    job = ImportJob.objects.create(
        created_by=actor, kind=kind, file_name=name[:255], content=content
    )
    run_import.enqueue(job.pk, translation.get_language() or "fr")
    job.refresh_from_db()
    return job


def import_job_run(*, job_id: int, language: str = "fr") -> ImportJob:
    """Run one queued job, claimed by a conditional UPDATE so that two workers never both run it.
    Its messages are in the language of the user who uploaded it."""
    if not ImportJob.objects.filter(pk=job_id, status=S.QUEUED).update(
        status=S.RUNNING, started_at=timezone.now()
    ):
        return ImportJob.objects.get(pk=job_id)
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)

    def progress(checked: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(rows_checked=checked, rows_total=total)

    try:
        with translation.override(language):
            if job.created_by is None or not access.can_create(job.created_by, Site):
                raise PermissionDenied("the uploader may no longer import")
            result = registry_import(
                actor=job.created_by,
                kind=job.kind,
                name=job.file_name,
                content=bytes(job.content),
                on_progress=progress,
            )
    except Exception as exc:  # shown on the job page; nothing was written
        log.exception("registry import job %s failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            status=S.FAILED, message=str(exc)[:2000], finished_at=timezone.now()
        )
        return ImportJob.objects.get(pk=job_id)
    ImportJob.objects.filter(pk=job_id).update(
        status=S.DONE if result.ok else S.FAILED,
        rows_written=result.created + result.updated,
        created_count=result.created,
        updated_count=result.updated,
        errors=[{"line": e.line, "column": e.column, "message": e.message} for e in result.errors],
        finished_at=timezone.now(),
    )
    return ImportJob.objects.get(pk=job_id)
