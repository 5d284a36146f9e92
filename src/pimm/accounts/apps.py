from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "pimm.accounts"
    verbose_name = _("Comptes et audit")

    def ready(self) -> None:
        from pimm.accounts import audit  # noqa: F401, PLC0415 — connects the audit signal handlers
