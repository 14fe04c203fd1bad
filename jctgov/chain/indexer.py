"""Index VotingEscrow and ParameterStore events into the database (holder set, parameter mirror)."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.db import transaction
from eth_utils import to_checksum_address

from jctgov.chain import client, params
from jctgov.chain.models import IndexerCursor, ParameterMirror, VeLock

logger = logging.getLogger(__name__)

CURSOR = "chain-events"
CHUNK_BLOCKS = 2_000
CREATE_LOCK_TYPE = 1


def indexed_block() -> int | None:
    """The last block the indexer has fully processed (None before the first run)."""
    return IndexerCursor.objects.filter(name=CURSOR).values_list("block", flat=True).first()


def index_events(
    *, confirmations: int | None = None, to_block: int | None = None, chunk: int = CHUNK_BLOCKS
) -> int:
    """Index events up to ``head - confirmations`` (or ``to_block``). Returns events applied.

    Resumable (cursor in IndexerCursor) and idempotent: each chunk's events and the cursor move
    commit together, and a chunk is applied only if the cursor still points just before it, so
    concurrent or repeated runs never apply an event twice. Reorg-safe by staying behind the head.
    """
    head = client.head_block()
    conf = params.confirmations() if confirmations is None else int(confirmations)
    target = head - conf if to_block is None else min(int(to_block), head)
    done = indexed_block()
    start = done + 1 if done is not None else int(client.deployments().get("deploy_block", 0))
    applied = 0
    for first in range(start, target + 1, chunk):
        last = min(first + chunk - 1, target)
        events = client.chain_events(first, last)  # outside the transaction: no lock held on RPC
        with transaction.atomic():
            cursor, _ = IndexerCursor.objects.select_for_update().get_or_create(
                name=CURSOR, defaults={"block": first - 1}
            )
            if cursor.block != first - 1:
                logger.info("indexer: blocks %s-%s already taken by another run", first, last)
                return applied
            for event in events:
                _apply(event)
            cursor.block = last
            cursor.save(update_fields=["block", "updated_at"])
        applied += len(events)
    return applied


def _apply(event: dict[str, Any]) -> None:
    args, block = event["args"], event["block_number"]
    if event["event"] == "Deposit":
        address = to_checksum_address(args["provider"])
        lock = VeLock.objects.filter(address=address).first() or VeLock(
            address=address, amount=Decimal(0), unlock_time=0, updated_block=block
        )
        base = Decimal(0) if args["depositType"] == CREATE_LOCK_TYPE else lock.amount
        lock.amount = base + Decimal(args["value"])
        lock.unlock_time = int(args["locktime"])
        lock.updated_block = block
        lock.full_clean()
        lock.save()
    elif event["event"] == "Withdraw":
        VeLock.objects.update_or_create(
            address=to_checksum_address(args["provider"]),
            defaults={"amount": Decimal(0), "unlock_time": 0, "updated_block": block},
        )
    elif event["event"] == "ParameterChanged":
        ParameterMirror.objects.update_or_create(
            key_hash=args["key"].lower(),
            defaults={
                "value": Decimal(args["value"]),
                "block_number": block,
                "tx_hash": event["tx_hash"],
            },
        )
