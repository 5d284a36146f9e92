from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "pimm.ledger"
    verbose_name = _("Comptabilité du plateau")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from pimm.ledger import receivers  # noqa: F401, PLC0415 — connects to the worklist's hook
