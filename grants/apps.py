from django.apps import AppConfig


class GrantsConfig(AppConfig):
    name = "grants"

    def ready(self) -> None:
        # Registers this app's chain-operation handlers (the relay task runs in any worker).
        import grants.services.milestones  # noqa: F401
