"""Background work: thin tasks that pass ids, re-fetch and call the service."""

from django.tasks import task


@task
def solve_plan(plan_id: int) -> str:
    from pimm.planning.services import plan_solve  # noqa: PLC0415 — services import tasks

    return plan_solve(plan_id=plan_id).status
