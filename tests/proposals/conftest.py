"""Fixtures of the proposals tests.

``fake_chain`` replaces the proposals→chain seam (proposals.power) for tests that are about
governance rules rather than the chain; the chain tests use the real Anvil fixtures instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

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
        self.snapshots[block] = dict(powers)


@pytest.fixture
def fake_chain(monkeypatch) -> FakeChain:
    chain = FakeChain()

    def snapshot_at(block):
        powers = chain.snapshots.get(block)
        if powers is None:
            return None
        return SimpleNamespace(block_number=block, total_supply=sum(powers.values()), powers=powers)

    monkeypatch.setattr(power, "head_block", lambda: chain.head)
    monkeypatch.setattr(power, "vejct_balance", lambda addr: chain.balances.get(addr, 0))
    monkeypatch.setattr(power, "voting_escrow_address", lambda: power.to_checksum_address(ESCROW))
    monkeypatch.setattr(power, "snapshot_at", snapshot_at)
    monkeypatch.setattr(power, "snapshot_power", lambda snap, addr: snap.powers.get(addr, 0))
    monkeypatch.setattr(
        power, "snapshot_power_at", lambda block, addr: chain.snapshots.get(block, {}).get(addr, 0)
    )
    monkeypatch.setattr(power, "enqueue_snapshot", chain.enqueued.append)
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
