"""Governance preview: replay recorded match rounds with current vs proposed parameter values.

Each recorded round (its jobs and offers, as the engine saw them) is run again through the pure
engine, once with the parameters in force ("before") and once with the proposed values
("after"). Each side keeps its own counterfactual queue: a job that side already matched is
dropped from later rounds, and a job it left unmatched stays pending and is offered again in
the next round (as the real queue would have kept it). Offers are replayed as recorded (the
capacity the real rounds had free). This is an estimate, not a simulation of how providers
and users would react.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from jctgov.core.parameters import current_values, validate_value
from jctgov.market import engine, pricing
from jctgov.market.matching import engine_job, engine_offer
from jctgov.market.models import MatchRound

PAYMENT_TOKENS = ("stablecoin", "jct")
FILL_PLACES = Decimal("0.0001")
PROGRESS_EVERY = 25
# The longest window a replay may ask for; retention keeps match inputs this long.
REPLAY_MAX_DAYS = 30


class Replay:
    """One parameter set's replay, fed round by round. Pure: no database access."""

    def __init__(self, values: dict[str, int]) -> None:
        self.values = values
        self.weights = engine.Weights.from_params(values)
        self.seen: set[int] = set()
        self.matched: set[int] = set()
        self.waiting: dict[int, dict[str, Any]] = {}  # unmatched so far, by job id
        self.gpu_hours = Decimal(0)
        self.fees = dict.fromkeys(PAYMENT_TOKENS, Decimal(0))
        self.reservation_fees = dict.fromkeys(PAYMENT_TOKENS, Decimal(0))
        self.provider_revenue_usd = Decimal(0)

    def feed(self, jobs: list[dict[str, Any]], offers: list[engine.Offer]) -> None:
        """Replay one round: its recorded jobs plus this side's waiting ones, on its offers."""
        for job in jobs:
            if job["id"] not in self.matched:
                self.waiting.setdefault(job["id"], job)
        self.seen.update(job["id"] for job in jobs)
        if not self.waiting or not offers:
            return
        result = engine.match(
            [engine_job(j) for j in self.waiting.values()],
            offers,
            self.weights,
            min_stake=self.values["market.min_provider_vejct"],
            min_uptime_bps=self.values["market.min_uptime_bps"],
        )
        for assignment in result.assignments:
            self._book(self.waiting.pop(int(assignment.job_id)), assignment)

    def _book(self, job: dict[str, Any], assignment: engine.Assignment) -> None:
        self.matched.add(job["id"])
        token = job["payment_token"]
        # usd_only: fees of JCT payments are compared in USD, independent of the JCT price.
        quote = pricing.quote_for(
            assignment.gpu_hours, assignment.price, token, self.values, usd_only=True
        )
        self.gpu_hours += assignment.gpu_hours
        self.fees[token] += quote.fee
        self.reservation_fees[token] += quote.reservation_fee
        self.provider_revenue_usd += quote.subtotal

    def totals(self) -> dict[str, Any]:
        """Matched jobs, fill rate, fees (USD) by payment token and provider revenue (USD)."""
        jobs, matched = len(self.seen), len(self.matched)
        fill = Decimal(matched) / Decimal(jobs) if jobs else Decimal(0)
        return {
            "jobs": jobs,
            "matched": matched,
            "fill_rate": fill.quantize(FILL_PLACES),
            "gpu_hours": self.gpu_hours,
            "fees": dict(self.fees),
            "reservation_fees": dict(self.reservation_fees),
            "fees_total": sum(self.fees.values(), Decimal(0))
            + sum(self.reservation_fees.values(), Decimal(0)),
            "provider_revenue_usd": self.provider_revenue_usd,
        }


def simulate(rounds: Iterable[MatchRound], values: dict[str, int]) -> dict[str, Any]:
    """The totals of replaying ``rounds`` (chronological) with parameter ``values``."""
    replay = Replay(values)
    for match in rounds:
        inputs = match.inputs or {}
        replay.feed(inputs.get("jobs", []), [engine_offer(o) for o in inputs.get("offers", [])])
    return replay.totals()


def validate_overrides(overrides: dict[str, Any]) -> dict[str, int]:
    """Each key registered and each value inside its bounds (ApplicationError otherwise)."""
    return {key: validate_value(key, value, field=key) for key, value in overrides.items()}


def window_round_count(start: datetime, end: datetime) -> int:
    """How many recorded rounds (with jobs) a replay of [start, end] would run."""
    return (
        MatchRound.objects.filter(started_at__gte=start, started_at__lte=end)
        .exclude(jobs_considered=0)
        .count()
    )


def _window_rounds(
    start: datetime, end: datetime, max_rounds: int | None
) -> tuple[Iterator[MatchRound], int, bool]:
    """The window's rounds oldest first (only the newest ``max_rounds`` when capped), streamed
    from the database so a busy week never sits in memory at once; with their count and
    whether the cap cut older rounds off."""
    rounds = MatchRound.objects.filter(started_at__gte=start, started_at__lte=end).exclude(
        jobs_considered=0
    )
    truncated = False
    if max_rounds is not None:
        newest = list(
            rounds.order_by("-started_at", "-id").values_list("started_at", "id")[: max_rounds + 1]
        )
        if len(newest) > max_rounds:
            truncated = True
            oldest_kept = newest[max_rounds - 1]
            rounds = rounds.filter(started_at__gte=oldest_kept[0]).exclude(
                started_at=oldest_kept[0], id__lt=oldest_kept[1]
            )
    count = rounds.count()
    ordered = rounds.order_by("started_at", "id").only("id", "started_at", "inputs")
    return ordered.iterator(chunk_size=100), count, truncated


def replay_preview(
    overrides: dict[str, Any],
    days: int = 7,
    *,
    now: datetime | None = None,
    max_rounds: int | None = None,
    current: dict[str, int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Before (parameters in force) vs after (with ``overrides``) over the ``days`` to ``now``.

    Read-only. ``max_rounds`` keeps only the newest rounds of the window (pages and the API
    cap the work; the management command replays everything); ``truncated`` says so.
    ``progress(done, total)`` is called every PROGRESS_EVERY rounds (background runs).
    """
    now = now or timezone.now()
    proposed = validate_overrides(overrides)
    current = current if current is not None else current_values()
    before, after = Replay(current), Replay({**current, **proposed})
    start = now - timedelta(days=days)
    rounds, count, truncated = _window_rounds(start, now, max_rounds)
    first = last = None
    for done, match in enumerate(rounds, start=1):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, count)
        first, last = first or match.started_at, match.started_at
        inputs = match.inputs or {}
        jobs = inputs.get("jobs", [])
        offers = [engine_offer(o) for o in inputs.get("offers", [])]
        before.feed(jobs, offers)
        after.feed(jobs, offers)
    return {
        "days": days,
        "window_start": start,
        "window_end": now,
        "rounds": count,
        "first_round_at": first,
        "last_round_at": last,
        "truncated": truncated,
        "changes": {k: {"current": current[k], "proposed": v} for k, v in proposed.items()},
        "before": before.totals(),
        "after": after.totals(),
    }


def _fmt(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {_fmt(v)}" for k, v in value.items())
    if isinstance(value, Decimal):
        return f"{value:,.4f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return str(value)


def format_preview(preview: dict[str, Any]) -> str:
    """A plain-text table of a replay_preview, for the management command."""
    lines = [f"Replay of {preview['rounds']} match round(s) over the last {preview['days']} days"]
    for key, change in preview["changes"].items():
        lines.append(f"  {key}: {change['current']} -> {change['proposed']}")
    rows = [
        ("jobs", "jobs"),
        ("matched jobs", "matched"),
        ("fill rate", "fill_rate"),
        ("GPU-hours", "gpu_hours"),
        ("fees in USD, by payment token", "fees"),
        ("reservation fees in USD", "reservation_fees"),
        ("all fees in USD", "fees_total"),
        ("provider revenue (USD)", "provider_revenue_usd"),
    ]
    width = max(len(label) for label, _ in rows)
    lines.append(f"{'':{width}}  {'before':>28}  {'after':>28}")
    for label, key in rows:
        before, after = preview["before"][key], preview["after"][key]
        lines.append(f"{label:{width}}  {_fmt(before):>28}  {_fmt(after):>28}")
    return "\n".join(lines)


def preview_json(value: Any) -> Any:
    """replay_preview output with Decimals as strings and datetimes in ISO 8601, for JSON."""
    if isinstance(value, dict):
        return {k: preview_json(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value
