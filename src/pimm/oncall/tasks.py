"""Background work: thin tasks that take ids, re-fetch, and call the service."""

from django.tasks import task


@task()
def solve_rota(solve_id: int) -> None:
    from .services import rota_solve_run  # noqa: PLC0415 — services import tasks

    rota_solve_run(solve_id=solve_id)
