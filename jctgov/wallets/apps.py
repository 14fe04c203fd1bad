from django.apps import AppConfig


class WalletsConfig(AppConfig):
    name = "jctgov.wallets"
    label = "wallets"
