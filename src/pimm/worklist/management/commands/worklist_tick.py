"""Run the worklist's periodic work once (cron every minute, or enqueue the task)."""

from django.core.management.base import BaseCommand

from pimm.worklist.services import worklist_tick


class Command(BaseCommand):
    help = "Re-route, escalate and remind (worklist periodic work)."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="enqueue as a background task")

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            from pimm.worklist.tasks import worklist_tick_task  # noqa: PLC0415 — the task backend only with --enqueue

            result = worklist_tick_task.enqueue()
            self.stdout.write(f"enqueued {result.id}")
            return
        self.stdout.write(str(worklist_tick()))
