"""Background work: thin tasks that take ids, re-fetch, and call the service."""

from django.tasks import task

from pimm.evaluation.services import report_run


@task()
def generate_report(report_id: int, language: str = "fr") -> None:
    report_run(report_id=report_id, language=language)
