"""The demo market of `make run`: simulated heartbeats and lease progress for demo nodes only.

`seed_demo` registers three GPU nodes through the real services and marks them
``Node.simulated`` (no API can). While `manage.py up` runs (it sets
JCTGOV_SIMULATE_DEMO_NODES=1) the beat calls :func:`demo_nodes_tick`: each simulated node
sends a heartbeat under the same once-per-half-interval rule as a real one, its pending leases
start, and a running lease completes after ``DEMO_SECONDS_PER_LEASE_HOUR`` per lease hour. So
leases do not fail for missed heartbeats and new jobs keep matching. Real nodes are never
touched: the query selects ``simulated=True`` only.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jctgov.core.errors import Conflict
from jctgov.market.models import Heartbeat, Lease, Node
from jctgov.market.selectors import heartbeat_interval

logger = logging.getLogger(__name__)
DEMO_SECONDS_PER_LEASE_HOUR = 60  # a 12-hour demo job completes in 12 minutes


def demo_nodes_tick(*, now: datetime | None = None, force: bool = False) -> int:
    """One simulation step; returns the heartbeats recorded. A no-op unless
    settings.MARKET_SIMULATE_DEMO_NODES (or ``force``). Idempotent: heartbeats are claimed
    with the conditional update real heartbeats use; leases move through the services."""
    if not (force or settings.MARKET_SIMULATE_DEMO_NODES):
        return 0
    now = now or timezone.now()
    min_gap = heartbeat_interval() / 2
    beats = 0
    for node in Node.objects.filter(simulated=True, active=True).select_related("provider__user"):
        with transaction.atomic():
            claimed = (
                Node.objects.filter(pk=node.pk, simulated=True)
                .filter(Q(last_heartbeat_at__isnull=True) | Q(last_heartbeat_at__lte=now - min_gap))
                .update(last_heartbeat_at=now)
            )
            if claimed:
                Heartbeat.objects.create(node=node, received_at=now)
                beats += 1
        _advance_leases(node, now)
    return beats


def _advance_leases(node: Node, now: datetime) -> None:
    from jctgov.market import services

    provider = node.provider.user
    for lease in Lease.objects.filter(node=node, state__in=Lease.OPEN_STATES):
        try:
            if lease.state == Lease.State.PENDING:
                services.lease_start(lease_id=lease.pk, user=provider, now=now)
            elif lease.started_at and now >= lease.started_at + timedelta(
                seconds=lease.hours * DEMO_SECONDS_PER_LEASE_HOUR
            ):
                services.lease_complete(lease_id=lease.pk, user=provider, now=now)
        except Conflict:  # another tick moved it first
            continue
