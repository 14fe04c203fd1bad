from django.core.management.base import BaseCommand, CommandError
from eth_utils import is_address

from jctgov.wallets.services import steward_grant


class Command(BaseCommand):
    help = "Put a wallet address in the stewards group."

    def add_arguments(self, parser):
        parser.add_argument("address")

    def handle(self, *args, address: str, **options):
        if not is_address(address):
            raise CommandError(f"{address!r} is not an Ethereum address")
        user = steward_grant(address=address)
        self.stdout.write(f"{user.address} is a steward")
