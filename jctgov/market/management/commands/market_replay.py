"""Replay the recorded match rounds of a window with proposed parameter values."""

from django.core.management.base import BaseCommand, CommandError

from jctgov.core.errors import ApplicationError
from jctgov.market.replay import format_preview, replay_preview


class Command(BaseCommand):
    help = (
        "Replay recorded jobs and offers of the last --days days through the matching engine with "
        "the parameters in force and with --set key=value overrides; print matched jobs, fill "
        "rate, fees and provider revenue before vs after."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            dest="overrides",
            help="a proposed parameter value, e.g. market.stablecoin_fee_bps=150 (repeatable)",
        )

    def handle(self, *args, days: int, overrides: list[str], **options):
        if days < 1:
            raise CommandError("--days must be at least 1.")
        values = {}
        for item in overrides:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise CommandError(f"--set {item!r}: expected key=value.")
            values[key.strip()] = value.strip()
        try:
            preview = replay_preview(values, days=days)
        except ApplicationError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self.stdout.write(format_preview(preview))
