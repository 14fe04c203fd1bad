from django.apps import AppConfig


class ChainConfig(AppConfig):
    name = "jctgov.chain"
    label = "chain"
