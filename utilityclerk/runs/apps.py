from django.apps import AppConfig


class RunsConfig(AppConfig):
    name = "utilityclerk.runs"
    label = "runs"
    verbose_name = "Background runs"
