from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jctgov.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from jctgov.core import schema  # noqa: F401  (registers the OpenAPI auth extension)
