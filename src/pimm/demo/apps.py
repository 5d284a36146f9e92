from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "pimm.demo"
    label = "demo"
    verbose_name = "Démo"
