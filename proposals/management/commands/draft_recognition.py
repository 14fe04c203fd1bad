"""Draft a recognition proposal splitting JCT across providers by uptime-weighted GPU-hours."""

from django.core.management.base import BaseCommand, CommandError
from eth_utils import is_address, to_checksum_address

from jctgov.core.errors import ApplicationError
from jctgov.market.recognition import recognition_draft_content
from jctgov.wallets.models import STEWARDS_GROUP, User
from proposals.services import proposal_create_draft


class Command(BaseCommand):
    help = (
        "Create a draft recognition proposal that splits --amount JCT across providers by the "
        "uptime-weighted GPU-hours of their completed leases in the last --epoch-days days."
    )

    def add_arguments(self, parser):
        parser.add_argument("--epoch-days", type=int, default=30)
        parser.add_argument("--amount", type=int, required=True, help="whole JCT tokens")
        parser.add_argument("--author", help="drafting wallet address (default: the first steward)")

    def handle(self, *args, epoch_days: int, amount: int, author: str | None, **options):
        if epoch_days < 1:
            raise CommandError("--epoch-days must be at least 1.")
        if amount < 1:
            raise CommandError("--amount must be a positive whole number of JCT.")
        user = self._author(author)
        try:
            draft, shares = recognition_draft_content(amount_tokens=amount, epoch_days=epoch_days)
            proposal = proposal_create_draft(author=user, **draft)
        except ApplicationError as exc:
            raise CommandError(f"Refused ({exc.code}): {exc.message}") from exc
        self.stdout.write(f"Draft recognition proposal #{proposal.pk}: {proposal.title}")
        for share in shares:
            self.stdout.write(
                f"  {share.address}  {share.amount_wei / 10**18:>18,.4f} JCT  "
                f"{share.gpu_hours} GPU-hours  — {share.reason}"
            )

    def _author(self, address: str | None) -> User:
        if address:
            if not is_address(address):
                raise CommandError(f"--author {address!r} is not an Ethereum address.")
            return User.objects.get_or_create_for_address(to_checksum_address(address))
        steward = User.objects.filter(groups__name=STEWARDS_GROUP).order_by("id").first()
        if steward is None:
            raise CommandError("No steward exists to author the draft: pass --author 0x….")
        return steward
