"""Events found by looking rather than by a transition: voting closes within 24 h, a node
stopped sending heartbeats. Each carries a dedupe key, so a beat running twice (or two beats at
once) emits it once."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from jctgov.notify.models import Event
from jctgov.notify.services import emit

CLOSING_WINDOW = timedelta(hours=24)
OFFLINE_LOOKBACK = timedelta(days=7)  # a node gone longer than this was reported already


def proposals_closing_soon(*, now: datetime | None = None) -> int:
    """Tell holders with power at the snapshot who have not voted that voting closes within
    24 hours. Once per proposal (dedupe key). Returns how many events were written."""
    from jctgov.chain.models import PowerSnapshotEntry
    from proposals.models import Proposal, ProposalState, Vote

    now = now or timezone.now()
    due = Proposal.objects.filter(
        state=ProposalState.ACTIVE, ends_at__gt=now, ends_at__lte=now + CLOSING_WINDOW
    )
    written = 0
    for proposal in due:
        key = f"proposal.closing_soon:{proposal.pk}"
        if Event.objects.filter(dedupe_key=key).exists():
            continue
        holders = PowerSnapshotEntry.objects.filter(
            snapshot__block_number=proposal.snapshot_block,  # type: ignore[misc]
            power__gt=0,
        ).values_list("address", flat=True)
        voted = set(Vote.objects.filter(proposal=proposal).values_list("voter", flat=True))
        with transaction.atomic():
            audience = [a for a in holders if a not in voted]
            if emit("proposal.closing_soon", subject=proposal, audience=audience, dedupe_key=key):
                written += 1
    return written


def nodes_offline(*, now: datetime | None = None) -> int:
    """Tell a provider when a node of theirs missed its heartbeats (the market's offline rule),
    once per outage: the key is the node and its last heartbeat."""
    from jctgov.market.models import Node
    from jctgov.market.selectors import OFFLINE_AFTER_INTERVALS, heartbeat_interval

    now = now or timezone.now()
    cutoff = now - heartbeat_interval() * OFFLINE_AFTER_INTERVALS
    nodes = Node.objects.filter(
        active=True, last_heartbeat_at__lt=cutoff, last_heartbeat_at__gte=now - OFFLINE_LOOKBACK
    ).select_related("provider__user")
    keys = {
        n.pk: f"market.node_offline:{n.pk}:{n.last_heartbeat_at:%Y%m%dT%H%M%S.%f}" for n in nodes
    }
    seen = set(
        Event.objects.filter(dedupe_key__in=keys.values()).values_list("dedupe_key", flat=True)
    )
    written = 0
    for node in nodes:
        if keys[node.pk] in seen:
            continue
        with transaction.atomic():
            if emit(
                "market.node_offline",
                subject=node,
                audience=[node.provider.user],
                dedupe_key=keys[node.pk],
            ):
                written += 1
    return written
