"""Fixtures of the proposals tests.

``fake_chain`` replaces the proposals→chain RPC reads (proposals.power) for tests that are about
governance rules rather than the chain; snapshots are real database rows, as the chain app
stores them. The chain tests use the real Anvil fixtures instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from proposals import power
from tests.proposals.factories import ESCROW, Voter


@dataclass
class FakeChain:
    head: int = 1_000
    balances: dict[str, int] = field(default_factory=dict)  # veJCT now
    snapshots: dict[int, dict[str, int]] = field(default_factory=dict)  # block → {addr: power}
    enqueued: list[int] = field(default_factory=list)

    def snapshot(self, block: int, powers: dict[str, int]) -> None:
        """Store the snapshot as the chain app would: real PowerSnapshot rows."""
        from jctgov.chain.models import PowerSnapshot, PowerSnapshotEntry

        self.snapshots[block] = dict(powers)
        PowerSnapshot.objects.filter(block_number=block).delete()
        stored = PowerSnapshot.objects.create(
            block_number=block,
            block_hash="0x" + f"{block:064x}",
            total_supply=sum(powers.values()),
            holders=sum(1 for p in powers.values() if p > 0),
        )
        PowerSnapshotEntry.objects.bulk_create(
            PowerSnapshotEntry(snapshot=stored, address=a, power=p)
            for a, p in powers.items()
            if p > 0
        )


@pytest.fixture
def fake_chain(monkeypatch) -> FakeChain:
    chain = FakeChain()

    monkeypatch.setattr(power, "head_block", lambda: chain.head)
    monkeypatch.setattr(power, "vejct_balance", lambda addr: chain.balances.get(addr, 0))
    monkeypatch.setattr(power, "voting_escrow_address", lambda: power.to_checksum_address(ESCROW))
    monkeypatch.setattr(power, "enqueue_snapshot", chain.enqueued.append)
    # The stored snapshot rows are the truth here: no reorg to re-check against.
    monkeypatch.setattr(power, "snapshot_confirm", lambda block: power.snapshot_at(block))
    monkeypatch.setattr(
        power, "vejct_balance_at", lambda addr, block: chain.snapshots.get(block, {}).get(addr, 0)
    )
    monkeypatch.setattr(
        power,
        "vejct_balances_at",
        lambda addrs, block: {a: chain.snapshots.get(block, {}).get(a, 0) for a in addrs},
    )
    monkeypatch.setattr(
        power, "vejct_total_supply_at", lambda block: sum(chain.snapshots.get(block, {}).values())
    )
    return chain


@pytest.fixture
def voters() -> list[Voter]:
    return [Voter() for _ in range(4)]
