"""What the market's pages and its replay worker agree on, without Django: the replay window,
the preview's table rows, and the display of basis points and dollars.

Shared by the write side (``replay_runs``, which stores the presented rows with a run) and the
read side (``presenters``, the ``market_format`` template filters), so neither imports the other.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

# A replay window ends on a WINDOW_STEP boundary: everyone reading a proposal page in those
# minutes shares one run, and a stored preview is exact for its window.
WINDOW_STEP = timedelta(minutes=10)
# A page waits for the replay on a cache miss: cap the work (about 4 ms per round on the
# benchmark's round sizes). The management command replays every round of the window.
MAX_PAGE_ROUNDS = 2_000


def window_end(now: datetime) -> datetime:
    """``now`` rounded down to a WINDOW_STEP boundary (UTC)."""
    step = int(WINDOW_STEP.total_seconds())
    seconds = int(now.timestamp()) // step * step
    return datetime.fromtimestamp(seconds, tz=UTC)


def percent_bps(bps: Any) -> str:
    """Basis points as a percent with one decimal: 9500 → 95.0%."""
    if bps in (None, ""):
        return "—"
    return f"{Decimal(int(bps)) / 100:.1f}%"


def usd(amount: Any) -> str:
    """Dollars with cents and thousands separators: 1234.5 → $1,234.50."""
    if amount in (None, ""):
        return "—"
    return f"${Decimal(amount):,.2f}"


def present(preview: dict[str, Any], *, max_rounds: int = MAX_PAGE_ROUNDS) -> dict[str, Any]:
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
        "max_rounds": max_rounds,
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
