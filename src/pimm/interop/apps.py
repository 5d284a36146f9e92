from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "pimm.interop"
    verbose_name = _("Interopérabilité")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from pimm.interop.hl7 import outbox  # noqa: F401, PLC0415 — connects the report hook
