"""Background work: thin tasks that take ids, re-fetch, and call the service."""

from django.tasks import task

from pimm.registry.import_jobs import import_job_run


@task()
def run_import(job_id: int, language: str = "fr") -> None:
    import_job_run(job_id=job_id, language=language)
