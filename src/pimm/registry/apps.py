from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "pimm.registry"
    verbose_name = _("Registre")

    def ready(self) -> None:
        from pimm.registry import hooks  # noqa: PLC0415 — models are ready only now

        hooks.connect()
