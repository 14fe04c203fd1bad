from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "jctgov.dashboard"
    label = "dashboard"
    verbose_name = "Home page and steward console (reads of every app, no models)"
