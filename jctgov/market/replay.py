"""Governance preview: replay recorded match rounds with current vs proposed parameter values.

Each recorded round (its jobs and offers, as the engine saw them) is run again through the
engine. A job the replay already matched in an earlier round is dropped from later rounds;
offers are replayed as recorded (capacity the real rounds had free). This is a counterfactual
estimate, not a simulation of how providers and users would react.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from jctgov.core.parameters import current_values, validate_value
from jctgov.market import pricing
from jctgov.market.matching import run_engine
from jctgov.market.models import MatchRound


def _empty_totals() -> dict[str, Any]:
    return {
        "jobs": 0,
        "matched": 0,
        "gpu_hours": Decimal(0),
        "fees": {"stablecoin": Decimal(0), "jct": Decimal(0)},
        "reservation_fees": {"stablecoin": Decimal(0), "jct": Decimal(0)},
        "provider_revenue_usd": Decimal(0),
    }


def simulate(rounds: list[MatchRound], values: dict[str, int]) -> dict[str, Any]:
    """Matched jobs, fill rate, fees (USD) by payment token and provider revenue (USD at the asks)."""
    totals = _empty_totals()
    seen: set[int] = set()
    matched: set[int] = set()
    for match in rounds:
        jobs = [j for j in match.inputs.get("jobs", []) if j["id"] not in matched]
        offers = match.inputs.get("offers", [])
        seen.update(j["id"] for j in jobs)
        if not jobs:
            continue
        by_id = {str(j["id"]): j for j in jobs}
        result = run_engine(jobs, offers, values)
        for assignment in result.assignments:
            job = by_id[assignment.job_id]
            matched.add(job["id"])
            quote = pricing.quote_for(
                assignment.gpu_hours, assignment.price, job["payment_token"], values, usd_only=True
            )
            fields = pricing.lease_quote_fields(quote)
            totals["gpu_hours"] += assignment.gpu_hours
            totals["fees"][job["payment_token"]] += fields["fee"]
            totals["reservation_fees"][job["payment_token"]] += fields["reservation_fee"]
            totals["provider_revenue_usd"] += assignment.gpu_hours * assignment.price
    totals["jobs"] = len(seen)
    totals["matched"] = len(matched)
    totals["fill_rate"] = (
        Decimal(len(matched)) / Decimal(len(seen)) if seen else Decimal(0)
    ).quantize(Decimal("0.0001"))
    return totals


def validate_overrides(overrides: dict[str, Any]) -> dict[str, int]:
    """Each key registered and each value inside its bounds (ApplicationError otherwise)."""
    return {key: validate_value(key, value, field=key) for key, value in overrides.items()}


def replay_preview(
    overrides: dict[str, int], days: int = 7, *, now: datetime | None = None
) -> dict[str, Any]:
    """Before (parameters in force) vs after (with ``overrides``) over the last ``days`` days."""
    now = now or timezone.now()
    proposed = validate_overrides(overrides)
    current = current_values()
    after_values = {**current, **proposed}
    rounds = list(
        MatchRound.objects.filter(started_at__gte=now - timedelta(days=days), started_at__lte=now)
        .exclude(jobs_considered=0)
        .order_by("started_at", "id")
    )
    before = simulate(rounds, current)
    after = simulate(rounds, after_values)
    return {
        "days": days,
        "rounds": len(rounds),
        "changes": {k: {"current": current[k], "proposed": v} for k, v in proposed.items()},
        "before": before,
        "after": after,
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
        ("provider revenue (USD)", "provider_revenue_usd"),
    ]
    width = max(len(label) for label, _ in rows)
    lines.append(f"{'':{width}}  {'before':>28}  {'after':>28}")
    for label, key in rows:
        before, after = preview["before"][key], preview["after"][key]
        lines.append(f"{label:{width}}  {_fmt(before):>28}  {_fmt(after):>28}")
    return "\n".join(lines)


def preview_json(value: Any) -> Any:
    """replay_preview output with Decimals as strings, for JSON."""
    if isinstance(value, dict):
        return {k: preview_json(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return str(value)
    return value
