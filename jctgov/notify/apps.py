from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "jctgov.notify"
    label = "notify"
    verbose_name = "Notifications"
