"""Notices about the market for the notification outbox (``jctgov.notify``): a node stopped
sending heartbeats. The dedupe key is the node and its last heartbeat, so a beat running twice
(or two beats at once) emits it once per outage.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from jctgov.market.models import Node
from jctgov.market.selectors import OFFLINE_AFTER_INTERVALS, heartbeat_interval
from jctgov.notify.models import Event
from jctgov.notify.services import emit

OFFLINE_LOOKBACK = timedelta(days=7)  # a node gone longer than this was reported already


def nodes_offline(*, now: datetime | None = None) -> int:
    """Tell a provider when a node of theirs missed its heartbeats (the market's offline rule),
    once per outage: the key is the node and its last heartbeat."""
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
