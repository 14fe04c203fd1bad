from django.apps import AppConfig


class ChainConfig(AppConfig):
    name = "jctgov.chain"
    label = "chain"

    def ready(self) -> None:
        from jctgov.chain.params import mirror_rows
        from jctgov.core.parameters import set_mirror_reader

        # The parameter registry (jctgov.core) reads values in force from our mirror.
        set_mirror_reader(mirror_rows)
