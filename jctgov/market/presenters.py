"""Market data shaped for other apps' pages: the replay preview of a parameter proposal.

A marketplace-parameters proposal page shows what its values would have done to the last
week's market: the recorded jobs and offers re-run through the engine with the values in force
(before) and with the proposed ones (after). Slow on a busy week, so it runs in a worker
(jctgov.market.replay_runs) once per values and window; the window ends on a ``WINDOW_STEP``
boundary, so everyone reading the page in those minutes shares one run, and a stored preview
is exact for its window (recorded rounds never change).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.dateparse import parse_datetime

from jctgov.core.errors import ApplicationError
from jctgov.market import replay_runs
from jctgov.market.models import ReplayRun
from jctgov.market.templatetags.market_format import percent_bps, usd

PREVIEW_DAYS = 7
WINDOW_STEP = timedelta(minutes=10)
# A page waits for the replay on a cache miss: cap the work (about 4 ms per round on the
# benchmark's round sizes). The management command replays every round of the window.
MAX_PAGE_ROUNDS = 2_000
# Once executed the proposed values are the ones in force (before = after); a defeated,
# cancelled or expired proposal changes nothing. Previews are for the decision.
PREVIEW_STATES = ("draft", "pending", "active", "succeeded", "queued", "failed")
# Market parameters a replay of recorded rounds cannot show: uptime was measured (and leases
# timed out) under the interval in force when each round ran.
NOT_REPLAYED = ("market.heartbeat_interval_s",)


def _market_changes(proposal: Any) -> dict[str, str]:
    if proposal.kind != "parameters" or proposal.state not in PREVIEW_STATES:
        return {}
    changes = (proposal.payload or {}).get("changes", [])
    return {
        c["key"]: str(c["value"])
        for c in changes
        if isinstance(c, dict) and str(c.get("key", "")).startswith("market.")
    }


def window_end(now: datetime) -> datetime:
    """``now`` rounded down to a WINDOW_STEP boundary (UTC)."""
    step = int(WINDOW_STEP.total_seconds())
    seconds = int(now.timestamp()) // step * step
    return datetime.fromtimestamp(seconds, tz=UTC)


def proposal_replay_preview(
    proposal: Any, *, days: int = PREVIEW_DAYS, now: datetime | None = None
) -> dict[str, Any] | None:
    """The before/after replay preview for a marketplace-parameters proposal, for its page.

    None when there is nothing to preview (another kind, no ``market.*`` change, or a final
    state). Otherwise the presented preview (``rows``: label, before, after, change) once its
    background run is done; ``{"pending": …}`` with the run's progress (the page polls
    ``status_url``) while it runs; ``error`` when the replay refuses the values. The work runs
    once per (values, window) in a worker (jctgov.market.replay_runs), never in the request.
    """
    changes = _market_changes(proposal)
    if not changes:
        return None
    try:
        run = replay_runs.replay_request(
            changes=changes, days=days, now=now, page_cap=MAX_PAGE_ROUNDS
        )
    except ApplicationError as exc:  # a bound changed since the proposal was drafted
        return {"error": exc.message, "days": days}
    if run.state == ReplayRun.State.FAILED:
        return {"error": run.error, "days": days}
    if run.state != ReplayRun.State.DONE:
        return {
            "pending": True,
            "days": days,
            "key": run.key,
            "status_url": reverse("market-api:replay-status", args=[run.key]),
            "rounds_done": run.rounds_done,
            "rounds_total": run.rounds_total,
        }
    data = dict(run.result["page"])  # type: ignore[index]  # a finished run has its result
    for name in ("window_end", "first_round_at"):
        data[name] = parse_datetime(data[name]) if data.get(name) else None
    data["not_replayed"] = [k for k in changes if k in NOT_REPLAYED]
    return data


def present(preview: dict[str, Any]) -> dict[str, Any]:
    """A replay_preview as table rows with display strings (the page does no arithmetic)."""
    before, after = preview["before"], preview["after"]
    rows = [
        _row("matched", "Matched jobs", before["matched"], after["matched"], _count),
        _row(
            "fill_rate",
            "Fill rate",
            _bps(before["fill_rate"]),
            _bps(after["fill_rate"]),
            percent_bps,
            delta_fmt=lambda bps: f"{bps / 100:.1f} pts",
        ),
        _row("gpu_hours", "GPU-hours matched", before["gpu_hours"], after["gpu_hours"], _count),
    ]
    for token, label in (("stablecoin", "stablecoin"), ("jct", "JCT")):
        rows.append(
            _row(
                f"fees_{token}",
                f"Fees on {label} payments (USD)",
                before["fees"][token],
                after["fees"][token],
                usd,
            )
        )
    rows += [
        _row(
            "reservation_fees",
            "Reservation fees (USD)",
            sum(before["reservation_fees"].values(), Decimal(0)),
            sum(after["reservation_fees"].values(), Decimal(0)),
            usd,
        ),
        _row("fees_total", "All fees (USD)", before["fees_total"], after["fees_total"], usd),
        _row(
            "provider_revenue",
            "Provider revenue (USD)",
            before["provider_revenue_usd"],
            after["provider_revenue_usd"],
            usd,
        ),
    ]
    return {
        "days": preview["days"],
        "window_end": preview["window_end"],
        "rounds": preview["rounds"],
        "jobs": before["jobs"],
        "first_round_at": preview["first_round_at"],
        "truncated": preview["truncated"],
        "max_rounds": MAX_PAGE_ROUNDS,
        "changes": preview["changes"],
        "rows": rows,
    }


def _bps(fraction: Decimal) -> int:
    return int(fraction * 10_000)


def _count(value: Any) -> str:
    number = Decimal(value)
    return f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.2f}"


def _row(
    key: str, label: str, before: Any, after: Any, fmt: Callable, delta_fmt: Callable | None = None
) -> dict[str, Any]:
    difference = Decimal(after) - Decimal(before)
    if not difference:
        change = "no change"
    else:
        sign = "+" if difference > 0 else "−"
        change = sign + (delta_fmt or fmt)(abs(difference))
    return {
        "key": key,
        "label": label,
        "before": fmt(before),
        "after": fmt(after),
        "change": change,
        "changed": bool(difference),
    }
