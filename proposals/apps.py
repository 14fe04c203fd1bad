from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "proposals"

    def ready(self) -> None:
        # Registers this app's chain-operation handlers (the relay task runs in any worker).
        import proposals.services.timelock_steps  # noqa: F401
