"""Imports as background jobs: the upload view queues one, a task worker checks it and stores a
preview (what each line would create or update, or why it is refused) without writing anything;
when the uploader confirms, the job is queued again and the worker checks and writes it.

The rows are checked outside any transaction, and the job's row is updated every
`imports.PROGRESS_EVERY` rows in its own small autocommitted UPDATE, so the page polling the job
sees "n rows checked of N" and nothing else waits on it. The rows are then written all or nothing
in one transaction (`imports.registry_import`).
"""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

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


def import_job_confirm(*, actor, job: ImportJob) -> ImportJob:
    """The uploader, having read the preview, asks for the rows to be written: the job is
    queued again (checked anew, then written all or nothing)."""
    from pimm.registry.tasks import run_import  # noqa: PLC0415 — the task module imports this one

    if job.created_by_id != actor.pk or not access.can_create(actor, Site):
        raise PermissionDenied(_("Seule la personne qui a déposé le fichier peut le confirmer."))
    if not ImportJob.objects.filter(pk=job.pk, status=S.CHECKED, confirmed=False).update(
        status=S.QUEUED, confirmed=True, rows_checked=0
    ):
        raise ValidationError(_("Cet import n'attend plus de confirmation."))
    run_import.enqueue(job.pk, translation.get_language() or "fr")
    return ImportJob.objects.get(pk=job.pk)


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
                write=job.confirmed,
            )
    except Exception as exc:  # shown on the job page; nothing was written
        log.exception("registry import job %s failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            status=S.FAILED, message=str(exc)[:2000], finished_at=timezone.now()
        )
        return ImportJob.objects.get(pk=job_id)
    errors = [
        {"line": e.line, "column": e.column, "label": e.label, "message": e.message}
        for e in result.errors
    ]
    if not job.confirmed:  # the preview: nothing was written
        with translation.override(language):
            preview = _preview(result)
        ImportJob.objects.filter(pk=job_id).update(
            status=S.CHECKED if result.ok else S.FAILED,
            preview=preview,
            errors=errors,
            finished_at=None if result.ok else timezone.now(),
        )
        return ImportJob.objects.get(pk=job_id)
    ImportJob.objects.filter(pk=job_id).update(
        status=S.DONE if result.ok else S.FAILED,
        rows_written=result.created + result.updated,
        created_count=result.created,
        updated_count=result.updated,
        errors=errors,
        finished_at=timezone.now(),
    )
    return ImportJob.objects.get(pk=job_id)


def _preview(result) -> dict:
    by_line: dict[int, list[str]] = {}
    for e in result.errors:
        text = f"{e.label} : {e.message}" if e.label else e.message
        by_line.setdefault(e.line, []).append(text)
    return {
        "create": result.created,
        "update": result.updated,
        "refused": len({e.line for e in result.errors}),
        "rows": [
            {"line": r.line, "action": r.action, "text": r.text, "errors": by_line.get(r.line, [])}
            for r in result.rows
        ],
    }
