"""Celery tasks of the chain app: thin wrappers around the indexer and the snapshot."""

from __future__ import annotations

import logging

from celery import shared_task

from jctgov.chain.client import ChainError, ChainUnavailable
from jctgov.chain.errors import RETRY_TRANSIENT

# Defined beside the relay it runs, so the operations kit enqueues it without importing this
# module (which imports the kit): no import cycle.
from jctgov.chain.relay import relay_operation

logger = logging.getLogger(__name__)

__all__ = ["index_chain", "operations_due", "relay_operation", "take_snapshot"]


@shared_task(ignore_result=True)
def index_chain() -> int:
    """Index new chain events (beat, every 5 s). Idempotent; a chain outage waits for the next beat."""
    from jctgov.chain.indexer import index_events

    try:
        return index_events()
    except (ChainUnavailable, ChainError) as exc:
        logger.warning("index_chain skipped: %s", exc)
        return 0


@shared_task(**RETRY_TRANSIENT)
def take_snapshot(block: int) -> int:
    """Snapshot veJCT at ``block``; returns the PowerSnapshot id. Safe to run twice (idempotent),
    retried with backoff only on transient chain errors."""
    from jctgov.chain.snapshot import snapshot_voting_power

    return snapshot_voting_power(int(block)).pk


@shared_task(name="jctgov.chain.tasks.operations_due", ignore_result=True)
def operations_due() -> int:
    """Beat: relay operations whose task was lost or whose worker crashed after sending."""
    from jctgov.chain.operations import operations_due as due

    try:
        return len(due())
    except (ChainUnavailable, ChainError) as exc:
        logger.warning("operations_due skipped: %s", exc)
        return 0
