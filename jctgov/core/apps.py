from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jctgov.core"
    label = "core"
    verbose_name = "Core"
