from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "pimm.planning"
    verbose_name = _("Planification des équipements")

    def ready(self) -> None:
        from pimm.planning import screens, signals  # noqa: PLC0415 — apps are ready only now

        screens.register()  # setup pages served by the registry's generic screens
        signals.connect()
