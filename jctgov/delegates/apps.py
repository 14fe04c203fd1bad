from django.apps import AppConfig


class DelegatesConfig(AppConfig):
    name = "jctgov.delegates"
    label = "delegates"
    verbose_name = "Delegates"
