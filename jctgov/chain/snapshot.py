"""veJCT voting-power snapshots: every holder's power and delegate at one block, with its hash."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from jctgov.chain import client, delegation, params
from jctgov.chain.indexer import index_events, indexed_block
from jctgov.chain.models import PowerSnapshot, PowerSnapshotEntry, VeLock

logger = logging.getLogger(__name__)


def holders_at(block: int) -> list[str]:
    """Addresses that may have power at ``block``: current lockers, plus anyone whose lock
    changed at or after it (they may have withdrawn since)."""
    rows = VeLock.objects.filter(Q(amount__gt=0) | Q(updated_block__gte=block))
    return list(rows.order_by("address").values_list("address", flat=True))


def snapshot_voting_power(block: int) -> PowerSnapshot:
    """Store every holder's veJCT (> 0) at ``block``, their delegate at ``block``
    (``delegateOfAt``, read in the same Multicall3 batches) and ``totalSupplyAt(block)``.

    Final-enough: ``block`` must be at least ``governance.snapshot_confirmations`` behind the
    head (else ChainUnavailable: retry later). Idempotent: an existing snapshot whose block hash
    is still on chain is returned unchanged, so running twice stores the rows once. If the hash
    differs (a reorg replaced the block) the old snapshot is replaced by a fresh one, logged.
    Atomic: rows are written in one transaction after every chain read succeeded, so a chain
    failure leaves no half snapshot. Raises ChainUnavailable (transient) or ChainError.
    """
    block = int(block)
    head = client.head_block()
    needed = params.confirmations()
    if block > head - needed:
        raise client.ChainUnavailable(
            f"Block {block} is not final yet: snapshots wait for {needed} confirmations "
            f"(head is {head})."
        )
    current_hash = client.block_hash(block)
    existing = PowerSnapshot.objects.filter(block_number=block).first()
    if existing and existing.block_hash == current_hash:
        return existing
    if existing:
        logger.warning(
            "reorg: snapshot of block %s was taken on hash %s, the chain now has %s; retaking",
            block,
            existing.block_hash,
            current_hash,
        )
    # Always: besides catching up, this rebuilds the holder set if a reorg went below it.
    index_events(to_block=block)
    done = indexed_block()
    if done is None or done < block:
        # Another worker holds the indexer claim: the holder set may still be incomplete, and
        # a snapshot over it would silently drop voters. Retry once that run has finished.
        raise client.ChainUnavailable(f"Events up to block {block} are still being indexed.")
    holders = holders_at(block)
    # veJCT and the delegate at the block, side by side in the same Multicall3 batches.
    balances = delegation.powers_and_delegates_at(holders, block)
    total = client.vejct_total_supply_at(block)
    if client.block_hash(block) != current_hash:
        raise client.ChainUnavailable(f"Block {block} changed while its snapshot was read.")
    with transaction.atomic():
        PowerSnapshot.objects.filter(block_number=block).exclude(block_hash=current_hash).delete()
        snapshot, created = PowerSnapshot.objects.get_or_create(
            block_number=block,
            defaults={
                "block_hash": current_hash,
                "total_supply": Decimal(total),
                "holders": sum(1 for p, _ in balances.values() if p > 0),
            },
        )
        if created:
            PowerSnapshotEntry.objects.bulk_create(
                [
                    PowerSnapshotEntry(snapshot=snapshot, address=a, power=Decimal(p), delegate=d)
                    for a, (p, d) in balances.items()
                    if p > 0
                ],
                batch_size=1000,
            )
    return snapshot


def snapshot_verify(snapshot: PowerSnapshot) -> bool:
    """True when the chain still has the snapshot's block hash (no reorg since)."""
    return client.block_hash(snapshot.block_number) == snapshot.block_hash


def snapshot_confirm(block: int) -> PowerSnapshot:
    """Before a result that uses the snapshot of ``block`` is final: re-check its block hash
    against the chain; on a mismatch (reorg) the snapshot is re-run (and logged). Returns the
    snapshot now stored. Raises ChainUnavailable / ChainError when the chain can't say."""
    return snapshot_voting_power(block)
