"""Thin tasks: call the service (Django 6.1 tasks; the immediate backend in tests)."""

from django.tasks import task

from pimm.worklist import services


@task
def worklist_tick_task() -> dict[str, int]:
    return services.worklist_tick()
