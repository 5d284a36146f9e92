from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "pimm.interop"
    verbose_name = _("Interopérabilité")
    default_auto_field = "django.db.models.BigAutoField"
