from django.apps import AppConfig


class WorklistConfig(AppConfig):
    name = "pimm.worklist"
    verbose_name = "Lecture (worklist)"
    default_auto_field = "django.db.models.BigAutoField"
