"""Thin adapter from proposals to the chain app: voting power, snapshots, head, the domain.

Everything chain-related the proposals app needs goes through here, so the services read as
governance rules and tests have one seam. Chain failures arrive as the chain app's
ChainUnavailable (503, transient) or ChainError (502) and reach the API unchanged.

Snapshots are found by block number rather than by foreign key: the chain app may delete and
retake a snapshot after a reorg, and that must never cascade into proposals.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from eth_utils import to_checksum_address

from jctgov.chain.models import PowerSnapshot, PowerSnapshotEntry
from jctgov.core.tasks import enqueue
from proposals.tally import Holding


class _Client:
    """The chain client, imported on first use (web3 is heavy and not needed to read a page)."""

    def __getattr__(self, name: str):
        from jctgov.chain import client as chain_client

        return getattr(chain_client, name)


client = _Client()


def chain_id() -> int:
    return int(settings.CHAIN_ID)


def voting_escrow_address() -> str:
    """The VotingEscrow address: the EIP-712 verifyingContract of every vote."""
    return client.address_of("VotingEscrow")


def rpc_chain_id() -> int:
    """The chain id of the chain the RPC serves (to check it is the proposal's chain)."""
    return int(client.chain_id())


def head_block() -> int:
    return int(client.head_block())


def vejct_balance(address: str) -> int:
    """veJCT of ``address`` at the latest block."""
    return int(client.vejct_balance(address))


def vejct_balance_at(address: str, block: int) -> int:
    return int(client.vejct_balance_at(address, block))


def vejct_balances_at(addresses: list[str], block: int) -> dict[str, int]:
    return {
        to_checksum_address(a): int(p)
        for a, p in client.vejct_balances_at(addresses, block).items()
    }


def vejct_total_supply_at(block: int) -> int:
    return int(client.vejct_total_supply_at(block))


def snapshot_at(block: int) -> PowerSnapshot | None:
    """The stored PowerSnapshot of ``block``, or None while it is being taken."""
    return PowerSnapshot.objects.filter(block_number=block).first()


def snapshot_power(snapshot: PowerSnapshot, address: str) -> int:
    """The voter's veJCT in the stored snapshot (0 if they held none)."""
    power = (
        PowerSnapshotEntry.objects.filter(snapshot=snapshot, address=to_checksum_address(address))
        .values_list("power", flat=True)
        .first()
    )
    return int(power or 0)


def snapshot_power_at(block: int, address: str) -> int:
    """The voter's veJCT in the stored snapshot of ``block`` (0 if none): one indexed query."""
    rows = PowerSnapshotEntry.objects.filter(
        snapshot__block_number=block, address=to_checksum_address(address)
    ).values_list("power", flat=True)[:1]
    return int(next(iter(rows), 0) or 0)


def snapshot_confirm(block: int) -> PowerSnapshot:
    """Re-check the stored snapshot of ``block`` against the chain before a result is final;
    after a reorg it is re-run (logged). Returns the snapshot now stored."""
    from jctgov.chain.snapshot import snapshot_confirm as confirm

    return confirm(block)


def snapshot_holdings(snapshot: PowerSnapshot) -> dict[str, Holding]:
    """{address: Holding(own veJCT, delegate)} of every holder in the stored snapshot."""
    rows = PowerSnapshotEntry.objects.filter(snapshot=snapshot).values_list(
        "address", "power", "delegate"
    )
    return {a: Holding(int(p), d) for a, p, d in rows.iterator(chunk_size=5_000)}


def votes_of(proposal: Any) -> Any:
    """Every receipt of the proposal with what counting needs (own and delegated power)."""
    from proposals.models import Vote

    return Vote.objects.filter(proposal=proposal).only(
        "pk", "voter", "power", "counted", "delegated_power", "delegators"
    )


def holders_and_delegates_at(addresses: list[str], block: int) -> dict[str, Holding]:
    """{checksum address: Holding} read from the chain at ``block``: balanceOfAtBlock and
    delegateOfAt side by side in Multicall3 batches."""
    from jctgov.chain import delegation

    return {
        a: Holding(power, delegate)
        for a, (power, delegate) in delegation.powers_and_delegates_at(addresses, block).items()
    }


def delegators_ever(block: int) -> set[str]:
    """Every address that delegated at or before ``block``, from the chain's logs alone."""
    from jctgov.chain import delegation

    return delegation.delegators_ever(block)


def enqueue_snapshot(block: int) -> None:
    """Ask a worker to take the snapshot of ``block`` (idempotent on the chain side)."""
    enqueue("jctgov.chain.tasks.take_snapshot", block)
