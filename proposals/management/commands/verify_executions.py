"""python manage.py verify_executions: match every operation on chain to a passed proposal or a
budgeted payout; exit 1 when anything matches none."""

from django.core.management.base import BaseCommand, CommandError

from jctgov.core.errors import ApplicationError
from proposals.executions import executions_audit


class Command(BaseCommand):
    help = (
        "Read every timelock CallScheduled/CallExecuted/Cancelled, Safe ExecutionSuccess and "
        "GrantEscrow Payout since the deploy block and match each to a passed proposal whose "
        "tally verifies or to an accepted milestone within its program's budget. One row per "
        "operation; exit 1 when any operation matches nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from-block", type=int, default=None, help="default: deploy block")
        parser.add_argument("--to-block", type=int, default=None, help="default: the head")

    def handle(self, *args, **options):
        try:
            report = executions_audit(
                from_block=options["from_block"], to_block=options["to_block"]
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        out = self.stdout.write
        out(f"blocks {report.from_block}-{report.to_block}: {len(report.rows)} operations")
        out("block\ttx\tkind\toperation\tmatched\treason")
        for row in report.rows:
            out(
                f"{row.block_number}\t{row.tx_hash}\t{row.kind}\t{row.operation}\t"
                f"{row.matched}\t{row.reason}"
            )
        if not report.ok:
            raise CommandError(
                f"{len(report.unmatched)} of {len(report.rows)} operation(s) on chain match no "
                "passed proposal or budgeted payout."
            )
        out(
            self.style.SUCCESS(
                f"all {len(report.rows)} operations match a passed proposal or payout"
            )
        )
