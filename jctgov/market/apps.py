from django.apps import AppConfig


class MarketConfig(AppConfig):
    name = "jctgov.market"
    label = "market"
