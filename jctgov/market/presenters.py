"""Market data shaped for other apps' pages: the replay preview of a parameter proposal.

A marketplace-parameters proposal page shows what its values would have done to the last
week's market: the recorded jobs and offers re-run through the engine with the values in force
(before) and with the proposed ones (after). Read-only, and slow on a busy week, so it is
cached per proposal and window; the window ends on a ``WINDOW_STEP`` boundary, so everyone
reading the page in those minutes shares one computation, and a cached preview is exact for
its window (recorded rounds never change).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from jctgov.core.errors import ApplicationError
from jctgov.core.parameters import current_values
from jctgov.market import replay
from jctgov.market.templatetags.market_format import percent_bps, usd

PREVIEW_DAYS = 7
WINDOW_STEP = timedelta(minutes=10)
CACHE_TIMEOUT_S = 2 * int(WINDOW_STEP.total_seconds())
# A page waits for the replay on a cache miss: cap the work (about 4 ms per round on the
# benchmark's round sizes). The management command replays every round of the window.
MAX_PAGE_ROUNDS = 2_000
MARKET_PREFIX = "market."
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
        if isinstance(c, dict) and str(c.get("key", "")).startswith(MARKET_PREFIX)
    }


def window_end(now: datetime) -> datetime:
    """``now`` rounded down to a WINDOW_STEP boundary (UTC)."""
    step = int(WINDOW_STEP.total_seconds())
    seconds = int(now.timestamp()) // step * step
    return datetime.fromtimestamp(seconds, tz=UTC)


def _cache_key(proposal: Any, changes: dict, current: dict, days: int, end: datetime) -> str:
    # The values in force are part of the key: when another proposal changes them, "before"
    # changes too. The changes are, because a draft can be edited.
    market_now = {k: v for k, v in current.items() if k.startswith(MARKET_PREFIX)}
    material = json.dumps(
        [proposal.pk, changes, market_now, days, end.isoformat()], sort_keys=True, default=str
    )
    return "market:replay-preview:v1:" + hashlib.sha256(material.encode()).hexdigest()


def proposal_replay_preview(
    proposal: Any, *, days: int = PREVIEW_DAYS, now: datetime | None = None
) -> dict[str, Any] | None:
    """The before/after replay preview for a marketplace-parameters proposal, for its page.

    None when there is nothing to preview (another kind, no ``market.*`` change, or a final
    state). Otherwise a dict with ``rows`` (label, before, after, change; formatted), the
    window and round counts, or ``error`` when the replay refuses the values. Cached.
    """
    changes = _market_changes(proposal)
    if not changes:
        return None
    end = window_end(now or timezone.now())
    current = current_values()
    key = _cache_key(proposal, changes, current, days, end)
    cached = cache.get(key)
    if cached is not None:
        return cached
    try:
        preview = replay.replay_preview(
            changes, days=days, now=end, max_rounds=MAX_PAGE_ROUNDS, current=current
        )
    except ApplicationError as exc:  # a bound changed since the proposal was drafted
        return {"error": exc.message, "days": days}
    data = present(preview)
    data["not_replayed"] = [k for k in changes if k in NOT_REPLAYED]
    cache.set(key, data, CACHE_TIMEOUT_S)
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
