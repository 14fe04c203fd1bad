"""Demo data for `make run`: a steward, proposals, GPU providers and jobs. Idempotent."""

from django.core.management.base import BaseCommand

from jctgov.chain.devkeys import dev_address
from jctgov.devstack import demo
from jctgov.wallets.services import steward_grant


class Command(BaseCommand):
    help = "Create demo data on the dev chain (safe to run again)."

    def handle(self, *args, **options):
        # Anvil's PUBLIC dev account #0 (its key is printed by every Foundry install).
        steward = steward_grant(address=dev_address(0))
        self.stdout.write(f"steward: {steward.address} (Anvil dev account #0)")
        self.stdout.write(f"demo: {demo.seed()}")
