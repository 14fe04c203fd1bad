"""Voting-power snapshots: exact, final-enough, idempotent, reorg-detecting, all-or-nothing."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from jctgov.chain import client
from jctgov.chain.anvil import free_port
from jctgov.chain.indexer import index_events
from jctgov.chain.models import PowerSnapshot, PowerSnapshotEntry, VeLock
from jctgov.chain.snapshot import snapshot_confirm, snapshot_verify, snapshot_voting_power
from jctgov.chain.tasks import take_snapshot

pytestmark = pytest.mark.django_db
WEI = 10**18
WEEK = 7 * 24 * 3600
CONFIRMATIONS = 2  # governance.snapshot_confirmations until the chain sets it


def _holders(chain):
    chain.lock(1, 1000 * WEI, 100)
    chain.lock(2, 400 * WEI, 10)
    chain.lock(3, 50 * WEI, 2)


def final_block(chain) -> int:
    """Mine until the current head is final enough, and return it."""
    block = chain.head()
    chain.mine(CONFIRMATIONS)
    return block


def powers(snapshot: PowerSnapshot) -> dict[str, int]:
    return {e.address: int(e.power) for e in snapshot.entries.all()}


def test_snapshot_stores_each_holders_power_and_the_total_at_the_block(chain):
    _holders(chain)
    chain.increase_time(3 * WEEK)  # account 3's lock has expired: no power, no row
    block = final_block(chain)
    snap = snapshot_voting_power(block)
    entries = powers(snap)
    assert set(entries) == {chain.accounts[1], chain.accounts[2]}
    for address, power in entries.items():
        assert power == client.vejct_balance_at(address, block)
    assert int(snap.total_supply) == sum(entries.values()) == client.vejct_total_supply_at(block)
    assert snap.holders == 2 and snap.block_hash == client.block_hash(block)
    assert snapshot_verify(snap)


def test_block_younger_than_the_confirmations_is_not_snapshotted_yet(chain):
    _holders(chain)
    block = chain.head()
    with pytest.raises(client.ChainUnavailable, match="not final yet"):
        snapshot_voting_power(block)
    assert not PowerSnapshot.objects.exists()
    chain.mine(CONFIRMATIONS)
    assert snapshot_voting_power(block).holders == 3


def test_snapshot_is_idempotent(chain):
    _holders(chain)
    block = final_block(chain)
    first = snapshot_voting_power(block)
    assert take_snapshot.apply(args=[block]).get() == first.pk
    assert take_snapshot.apply(args=[block]).get() == first.pk
    assert PowerSnapshot.objects.count() == 1
    assert PowerSnapshotEntry.objects.count() == 3
    assert powers(PowerSnapshot.objects.get()) == powers(first)


def test_holder_who_withdrew_after_the_block_keeps_their_power_in_it(chain):
    _holders(chain)
    block = final_block(chain)
    chain.increase_time(3 * WEEK)
    chain.send(chain.contract("VotingEscrow").functions.withdraw(), 3)
    index_events(confirmations=0)  # the holder set now says account 3 has nothing locked
    snap = snapshot_voting_power(block)
    entry = snap.entries.get(address=chain.accounts[3])
    assert int(entry.power) == client.vejct_balance_at(chain.accounts[3], block) > 0


def test_reorg_of_the_snapshot_block_is_detected_and_the_snapshot_retaken(chain, caplog):
    fork_point = client.evm_snapshot()
    _holders(chain)  # chain A: accounts 1, 2 and 3 lock
    block = final_block(chain)
    old = snapshot_voting_power(block)
    assert set(powers(old)) == set(chain.accounts[1:4])

    client.evm_revert(fork_point)  # chain B replaces every block since the fork point
    chain.lock(4, 700 * WEI, 30)
    chain.lock(1, 10 * WEI, 5)
    while chain.head() < block + CONFIRMATIONS:
        chain.mine()
    assert client.block_hash(block) != old.block_hash
    assert snapshot_verify(old) is False

    with caplog.at_level(logging.WARNING, logger="jctgov.chain"):
        retaken = snapshot_confirm(block)
    assert "reorg: snapshot of block" in caplog.text  # the snapshot says it was retaken
    assert "re-indexing" in caplog.text  # and the holder set was rebuilt from chain B
    assert retaken.block_hash == client.block_hash(block) and snapshot_verify(retaken)
    assert powers(retaken) == {
        chain.accounts[4]: client.vejct_balance_at(chain.accounts[4], block),
        chain.accounts[1]: client.vejct_balance_at(chain.accounts[1], block),
    }
    assert int(retaken.total_supply) == client.vejct_total_supply_at(block)
    assert PowerSnapshot.objects.count() == 1
    assert set(VeLock.objects.values_list("address", flat=True)) == {
        chain.accounts[4],
        chain.accounts[1],
    }
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="jctgov.chain"):
        assert snapshot_confirm(block).pk == retaken.pk  # no reorg since: unchanged, no log
    assert caplog.text == ""


def test_chain_outage_leaves_no_snapshot(chain, settings):
    _holders(chain)
    block = final_block(chain)
    settings.CHAIN_RPC_URL = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(client.ChainUnavailable):
        snapshot_voting_power(block)
    assert PowerSnapshot.objects.count() == 0 and PowerSnapshotEntry.objects.count() == 0


def test_chain_dying_midway_leaves_no_half_snapshot_and_a_retry_completes_it(
    chain, settings, monkeypatch
):
    _holders(chain)
    block = final_block(chain)
    live_url, read_total = settings.CHAIN_RPC_URL, client.vejct_total_supply_at

    def chain_dies_before_the_total(at_block):
        settings.CHAIN_RPC_URL = f"http://127.0.0.1:{free_port()}"  # holders were read already
        return read_total(at_block)

    monkeypatch.setattr(client, "vejct_total_supply_at", chain_dies_before_the_total)
    with pytest.raises(client.ChainUnavailable):
        snapshot_voting_power(block)
    assert PowerSnapshot.objects.count() == 0 and PowerSnapshotEntry.objects.count() == 0

    monkeypatch.setattr(client, "vejct_total_supply_at", read_total)
    settings.CHAIN_RPC_URL = live_url
    snap = snapshot_voting_power(block)
    assert snap.holders == 3 and int(snap.total_supply) == read_total(block)


def test_power_must_be_positive_in_the_database(chain):
    from django.db import IntegrityError, transaction

    snap = PowerSnapshot.objects.create(block_number=1, block_hash="0x", total_supply=0, holders=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        PowerSnapshotEntry.objects.create(snapshot=snap, address="0x" + "1" * 40, power=Decimal(0))


def test_snapshot_stores_each_holders_delegate_exactly_at_the_block(chain):
    _holders(chain)
    a = chain.accounts
    chain.delegate(2, a[1])
    chain.delegate(3, a[5])  # a delegate without veJCT of their own
    block = chain.head()
    chain.delegate(2, a[3])  # changes after the block do not reach the snapshot
    chain.delegate(3, None)
    chain.mine(CONFIRMATIONS)
    snap = snapshot_voting_power(block)
    delegates = {e.address: e.delegate for e in snap.entries.all()}
    assert delegates == {a[1]: "", a[2]: a[1], a[3]: a[5]}
    later = snapshot_voting_power(final_block(chain))
    assert {e.address: e.delegate for e in later.entries.all()} == {a[1]: "", a[2]: a[3], a[3]: ""}


def test_snapshot_without_a_delegation_contract_stores_no_delegates(chain):
    """A deployments file written before VoteDelegation existed: nobody has delegated."""
    _holders(chain)
    chain.delegate(2, chain.accounts[1])
    block = final_block(chain)
    without = {k: v for k, v in chain.deployments.items() if k != "VoteDelegation"}
    client.set_deployments(without)
    try:
        snap = snapshot_voting_power(block)
    finally:
        client.set_deployments(chain.deployments)
    assert {e.delegate for e in snap.entries.all()} == {""}
    assert len(powers(snap)) == 3
