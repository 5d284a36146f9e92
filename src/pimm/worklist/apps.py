from django.apps import AppConfig


class WorklistConfig(AppConfig):
    name = "pimm.worklist"
    verbose_name = "Lecture (worklist)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from pimm.worklist import signals  # noqa: PLC0415 — apps are ready only now

        signals.connect()
