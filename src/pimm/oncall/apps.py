from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OncallConfig(AppConfig):
    name = "pimm.oncall"
    verbose_name = _("Gardes et astreintes (PDSES)")

    def ready(self) -> None:
        from pimm.oncall import hooks  # noqa: PLC0415 — models are ready only now

        hooks.connect()
