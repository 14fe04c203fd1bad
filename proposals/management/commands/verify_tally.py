"""python manage.py verify_tally <id|uid>: recompute a tally from the chain and signatures."""

from django.core.management.base import BaseCommand, CommandError

from jctgov.core.errors import ApplicationError
from proposals.models import Proposal
from proposals.verify import verify_proposal


class Command(BaseCommand):
    help = (
        "Recompute a proposal's tally from the chain (balanceOfAt / totalSupplyAt at the snapshot "
        "block) and the stored vote signatures alone; exit 1 on any mismatch."
    )

    def add_arguments(self, parser):
        parser.add_argument("proposal", help="proposal id or uid (0x…)")

    def handle(self, *args, **options):
        ref = options["proposal"]
        lookup = {"uid": ref.lower()} if ref.startswith("0x") else {"pk": ref}
        try:
            proposal = Proposal.objects.select_related("author").get(**lookup)
        except (Proposal.DoesNotExist, ValueError):
            raise CommandError(f"No proposal {ref}.") from None
        if not proposal.uid:
            raise CommandError(f"Proposal {ref} is a draft: nothing to verify.")
        try:
            result = verify_proposal(proposal)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        tally = result.tally
        out = self.stdout.write
        out(f"proposal #{proposal.pk} {proposal.uid}")
        out(f"snapshot block {proposal.snapshot_block}, {result.receipts} receipts")
        out(f"for      {tally.for_power}")
        out(f"against  {tally.against_power}")
        out(f"abstain  {tally.abstain_power}")
        out(
            f"total veJCT {tally.total_supply}, quorum {tally.quorum} ({tally.quorum_bps} bps), "
            f"reached: {'yes' if tally.quorum_reached else 'no'}"
        )
        out(f"outcome  {tally.outcome} (stored state: {proposal.state})")
        if not result.ok:
            for problem in result.mismatches:
                self.stderr.write(f"MISMATCH: {problem}")
            raise CommandError(
                f"{len(result.mismatches)} mismatch(es): the stored tally is NOT verified."
            )
        out(self.style.SUCCESS("verified: the stored tally matches the chain and the signatures"))
