"""Recognition from the market: split an amount across providers by uptime-weighted GPU-hours.

A provider's weight for an epoch = Σ over its completed leases that ended in the epoch of
gpus × hours × uptime of the serving node over the epoch. Shares are integer wei, floored, with
the remainder handed out by largest fractional part (ties by address), so they sum to the amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from django.utils import timezone

from jctgov.core.errors import ApplicationError
from jctgov.market.models import Lease
from jctgov.market.selectors import BPS, uptimes_bps

WEI = 10**18
MAX_RECIPIENTS = 200  # proposals.payloads.MAX_RECIPIENTS


@dataclass(frozen=True)
class Share:
    address: str
    gpu_hours: int
    weighted_gpu_hours: Fraction
    amount_wei: int
    reason: str


def recognition_shares(
    *, amount_wei: int, epoch_days: int = 30, now: datetime | None = None
) -> list[Share]:
    """Deterministic split of ``amount_wei`` over the epoch ending ``now``. Refuses when there
    is nothing to split (no completed lease with uptime in the epoch)."""
    if amount_wei <= 0:
        raise ApplicationError(
            "The amount must be positive.", code="amount_not_positive", field="amount"
        )
    now = now or timezone.now()
    start = now - timedelta(days=epoch_days)
    leases = list(
        Lease.objects.filter(
            # a lease its job owner disputed was not served (issue 15)
            state=Lease.State.COMPLETED,
            disputed_at__isnull=True,
            ended_at__gt=start,
            ended_at__lte=now,
        ).select_related("node__provider__user")
    )
    nodes = list({lease.node_id: lease.node for lease in leases}.values())
    uptime = uptimes_bps(nodes, now=now, window=timedelta(days=epoch_days))
    hours: dict[str, int] = {}
    weights: dict[str, Fraction] = {}
    for lease in leases:
        address = lease.node.provider.user.address
        gpu_hours = lease.gpus * lease.hours
        hours[address] = hours.get(address, 0) + gpu_hours
        weights[address] = weights.get(address, Fraction(0)) + Fraction(
            gpu_hours * uptime[lease.node_id], BPS
        )
    weights = {a: w for a, w in weights.items() if w > 0}
    if not weights:
        raise ApplicationError(
            f"Nothing to split: no provider completed a lease with measured uptime in the last "
            f"{epoch_days} days.",
            code="nothing_to_split",
        )
    ranked = sorted(weights, key=lambda a: (-weights[a], a))[:MAX_RECIPIENTS]
    total = sum(weights[a] for a in ranked)
    exact = {a: amount_wei * weights[a] / total for a in ranked}
    amounts = {a: int(exact[a]) for a in ranked}  # floor: Fractions here are non-negative
    remainder = amount_wei - sum(amounts.values())
    for address in sorted(ranked, key=lambda a: (-(exact[a] - amounts[a]), a))[:remainder]:
        amounts[address] += 1
    shares = []
    for address in ranked:
        share_pct = weights[address] * 100 / total
        shares.append(
            Share(
                address=address,
                gpu_hours=hours[address],
                weighted_gpu_hours=weights[address],
                amount_wei=amounts[address],
                reason=(
                    f"Served {hours[address]} GPU-hours on completed leases between "
                    f"{start:%Y-%m-%d} and {now:%Y-%m-%d}; uptime-weighted "
                    f"{float(weights[address]):.1f} GPU-hours = {float(share_pct):.2f}% of the market."
                ),
            )
        )
    return [s for s in shares if s.amount_wei > 0]


def recognition_draft_content(
    *, amount_tokens: int, epoch_days: int = 30, now: datetime | None = None
) -> tuple[dict[str, Any], list[Share]]:
    """The title, body and payload of a recognition proposal splitting ``amount_tokens`` JCT
    (keyword arguments of ``proposal_create_draft``), and the shares they list.

    The market computes the split; drafting the proposal is the proposals app's (its
    ``draft_recognition`` command), so the market never imports the app that governs it."""
    now = now or timezone.now()
    shares = recognition_shares(amount_wei=amount_tokens * WEI, epoch_days=epoch_days, now=now)
    payload = {
        "recipients": [
            {"recipient": s.address, "amount": str(s.amount_wei), "reason": s.reason}
            for s in shares
        ]
    }
    title = f"Recognise GPU providers: {amount_tokens:,} JCT for the {epoch_days} days to {now:%Y-%m-%d}"
    body = (
        f"Splits {amount_tokens:,} JCT across {len(shares)} provider(s) in proportion to the "
        f"GPU-hours each served on completed leases in the epoch, weighted by each node's uptime "
        f"over the epoch. Drafted by `manage.py draft_recognition`."
    )
    return {"kind": "recognition", "title": title, "body": body, "payload": payload}, shares
