from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "pimm.planning"
    verbose_name = _("Planification des équipements")

    def ready(self) -> None:
        from pimm.fields import register_vocabulary  # noqa: PLC0415 — apps are ready only now
        from pimm.planning import screens, signals  # noqa: PLC0415
        from pimm.planning.selectors import exam_type_name  # noqa: PLC0415

        screens.register()  # setup pages served by the registry's generic screens
        signals.connect()
        register_vocabulary("exam_type", exam_type_name)  # the audit trail names exam types
