"""Index VotingEscrow, ParameterStore, timelock delay and VoteDelegation events into the
database (holder set, parameter mirror, delegations)."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.db import transaction
from eth_utils import to_checksum_address

from jctgov.chain import client, params
from jctgov.chain.models import Delegation, IndexerCursor, ParameterMirror, VeLock
from jctgov.chain.timelock import TIMELOCK_DELAY_KEY
from jctgov.core.parameters import BY_CHAIN_KEY, REGISTRY

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
    """Index events up to ``head - confirmations`` (and at most ``to_block``). Returns events applied.

    Reorg-safe: a block is indexed only once it is ``confirmations`` deep (default
    ``governance.snapshot_confirmations``). Resumable (cursor in IndexerCursor) and idempotent:
    each chunk's events and the cursor move commit together, and a chunk is applied only if the
    cursor still points just before it, so concurrent or repeated runs never apply an event
    twice. The cursor keeps its block's hash; if the chain has replaced that block (a reorg
    deeper than the confirmations, or a reset dev chain) the mirror is rebuilt from the deploy
    block, logged as an error. An RPC failure raises before the chunk it hit is written.
    """
    head = client.head_block()
    conf = params.confirmations() if confirmations is None else int(confirmations)
    target = head - conf if to_block is None else min(int(to_block), head - conf)
    cursor = IndexerCursor.objects.filter(name=CURSOR).first()
    if cursor is not None and not _still_on_chain(cursor, head):
        return _reindex_after_reorg(cursor, target, chunk)
    start = cursor.block + 1 if cursor is not None else _deploy_block()
    return _index_range(start, target, chunk)


def _deploy_block() -> int:
    return int(client.deployments().get("deploy_block", 0))


def _still_on_chain(cursor: IndexerCursor, head: int) -> bool:
    if not cursor.block_hash or cursor.block < 0:
        return True  # nothing indexed yet
    return cursor.block <= head and client.block_hash(cursor.block) == cursor.block_hash


def _index_range(start: int, target: int, chunk: int) -> int:
    applied = 0
    for first in range(start, target + 1, chunk):
        last = min(first + chunk - 1, target)
        # Chain reads outside the transaction: no row lock is held while the RPC answers.
        events = client.chain_events(first, last)
        last_hash = client.block_hash(last)
        with transaction.atomic():
            cursor, _ = IndexerCursor.objects.select_for_update().get_or_create(
                name=CURSOR, defaults={"block": first - 1}
            )
            if cursor.block != first - 1:
                logger.info("indexer: blocks %s-%s already taken by another run", first, last)
                return applied
            for event in events:
                _apply(event)
            cursor.block, cursor.block_hash = last, last_hash
            cursor.save(update_fields=["block", "block_hash", "updated_at"])
        applied += len(events)
    return applied


def _reindex_after_reorg(seen: IndexerCursor, target: int, chunk: int) -> int:
    """Rebuild the holder set, parameter mirror and delegations from the deploy block, in one transaction:
    readers keep the old mirror until the new one is complete."""
    start = _deploy_block()
    with transaction.atomic():
        cursor = IndexerCursor.objects.select_for_update().get(pk=seen.pk)
        if (cursor.block, cursor.block_hash) != (seen.block, seen.block_hash):
            return 0  # another run already handled it
        logger.error(
            "reorg deeper than the confirmations: indexed block %s (%s) is no longer on the "
            "chain; re-indexing from block %s",
            cursor.block,
            cursor.block_hash,
            start,
        )
        VeLock.objects.all().delete()
        ParameterMirror.objects.all().delete()
        Delegation.objects.all().delete()
        cursor.block, cursor.block_hash = start - 1, ""
        cursor.save(update_fields=["block", "block_hash", "updated_at"])
        return _index_range(start, target, chunk)


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
        mirror_parameter(args["key"].lower(), int(args["value"]), block, event["tx_hash"])
    elif event["event"] == "MinDelayChange":
        # The delay the timelock enforces is governance.timelock_delay_s in force: an
        # executed delay proposal emits this and ParameterChanged with the same value.
        key_hash = REGISTRY[TIMELOCK_DELAY_KEY].chain_key
        mirror_parameter(key_hash, int(args["newDuration"]), block, event["tx_hash"])
    elif event["event"] == "DelegateChanged":
        to = to_checksum_address(args["toDelegate"])
        Delegation.objects.update_or_create(
            delegator=to_checksum_address(args["delegator"]),
            defaults={
                "delegate": "" if int(to, 16) == 0 else to,
                "block_number": block,
                "tx_hash": event["tx_hash"],
            },
        )


def mirror_parameter(key_hash: str, value: int, block: int, tx_hash: str) -> ParameterMirror:
    """Record a ParameterStore value; one outside the registry's bounds is never trusted.

    Such a value (a store without bounds, bounds widened on chain) is logged as a warning and
    kept apart in ``out_of_range_value``: the last value inside the bounds stays in force (or
    the default, when there is none), and the pages say "chain value out of range".
    """
    param = BY_CHAIN_KEY.get(key_hash)
    row = ParameterMirror.objects.filter(key_hash=key_hash).first() or ParameterMirror(
        key_hash=key_hash
    )
    row.block_number, row.tx_hash = block, tx_hash
    if param is None or param.allows(value):
        row.value, row.out_of_range_value = Decimal(value), None
    else:
        logger.warning(
            "chain value out of range: %s = %s at block %s (tx %s) is outside [%s, %s]; "
            "keeping the last valid value %s",
            param.key,
            value,
            block,
            tx_hash,
            param.min,
            param.max,
            row.value if row.value is not None else f"(default {param.default})",
        )
        row.out_of_range_value = Decimal(value)
    row.full_clean()
    row.save()
    return row
