from django.apps import AppConfig


class DevstackConfig(AppConfig):
    name = "jctgov.devstack"
    label = "devstack"
    verbose_name = "Development stack"
