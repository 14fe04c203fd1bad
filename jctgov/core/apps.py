from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jctgov.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from jctgov.core import checks, schema  # noqa: F401  (register deploy checks, OpenAPI auth)
