"""Demo data for `make run`: a steward, and whatever each app contributes. Idempotent."""

import importlib

from django.core.management.base import BaseCommand

from jctgov.wallets.services import steward_grant

# Public Anvil dev account #0 (never use its key outside a dev chain): the demo steward.
DEMO_STEWARD = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
SEEDERS = ["proposals.demo", "grants.demo", "jctgov.market.demo"]


class Command(BaseCommand):
    help = "Create demo data (safe to run again)."

    def handle(self, *args, **options):
        steward_grant(address=DEMO_STEWARD)
        self.stdout.write(f"steward: {DEMO_STEWARD} (Anvil dev account #0)")
        for module_name in SEEDERS:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                continue
            summary = module.seed()
            if summary:
                self.stdout.write(f"{module_name}: {summary}")
