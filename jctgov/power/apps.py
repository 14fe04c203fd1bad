from django.apps import AppConfig


class PowerConfig(AppConfig):
    name = "jctgov.power"
    label = "power"
    verbose_name = "Voting power (locks and delegation pages)"
