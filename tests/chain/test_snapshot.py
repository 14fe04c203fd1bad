"""Voting-power snapshots: exact, idempotent, reorg-detecting, one row per holder with power."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from jctgov.chain import client
from jctgov.chain.models import PowerSnapshot, PowerSnapshotEntry
from jctgov.chain.snapshot import snapshot_verify, snapshot_voting_power
from jctgov.chain.tasks import take_snapshot

pytestmark = [pytest.mark.chain, pytest.mark.django_db]
WEI = 10**18
WEEK = 7 * 24 * 3600


def _holders(chain):
    chain.lock(1, 1000 * WEI, 100)
    chain.lock(2, 400 * WEI, 10)
    chain.lock(3, 50 * WEI, 2)


def test_snapshot_stores_each_holders_power_and_the_total_at_the_block(chain):
    _holders(chain)
    chain.increase_time(3 * WEEK)  # account 3's lock has expired: no power, no row
    block = client.head_block()
    snap = snapshot_voting_power(block)
    entries = {e.address: int(e.power) for e in snap.entries.all()}
    assert set(entries) == {chain.accounts[1], chain.accounts[2]}
    for address, power in entries.items():
        assert power == client.vejct_balance_at(address, block)
    assert int(snap.total_supply) == sum(entries.values()) == client.vejct_total_supply_at(block)
    assert snap.holders == 2 and snap.block_hash == client.block_hash(block)
    assert snapshot_verify(snap)


def test_snapshot_is_idempotent(chain):
    _holders(chain)
    block = client.head_block()
    first = snapshot_voting_power(block)
    assert take_snapshot.apply(args=[block]).get() == first.pk
    assert PowerSnapshot.objects.count() == 1
    assert PowerSnapshotEntry.objects.count() == 3


def test_holder_who_withdrew_after_the_block_keeps_their_power_in_it(chain):
    _holders(chain)
    block = client.head_block()
    chain.increase_time(3 * WEEK)
    chain.send(chain.contract("VotingEscrow").functions.withdraw(), 3)
    from jctgov.chain.indexer import index_events

    index_events(confirmations=0)  # the holder set now says account 3 has nothing locked
    snap = snapshot_voting_power(block)
    entry = snap.entries.get(address=chain.accounts[3])
    assert int(entry.power) == client.vejct_balance_at(chain.accounts[3], block) > 0


def test_reorged_block_is_detected_and_the_snapshot_retaken(chain, caplog):
    _holders(chain)
    block = client.head_block()
    snap = snapshot_voting_power(block)
    PowerSnapshot.objects.filter(pk=snap.pk).update(block_hash="0x" + "ab" * 32, total_supply=1)
    snap.refresh_from_db()
    assert snapshot_verify(snap) is False
    with caplog.at_level(logging.WARNING, logger="jctgov.chain.snapshot"):
        retaken = snapshot_voting_power(block)
    assert "reorg" in caplog.text
    assert retaken.block_hash == client.block_hash(block) and snapshot_verify(retaken)
    assert int(retaken.total_supply) == client.vejct_total_supply_at(block)
    assert PowerSnapshot.objects.count() == 1 and retaken.entries.count() == 3


def test_chain_outage_leaves_no_half_snapshot(chain, settings):
    from jctgov.chain.anvil import free_port

    _holders(chain)
    block = client.head_block()
    settings.CHAIN_RPC_URL = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(client.ChainUnavailable):
        snapshot_voting_power(block)
    assert PowerSnapshot.objects.count() == 0 and PowerSnapshotEntry.objects.count() == 0


def test_power_must_be_positive_in_the_database(chain):
    from django.db import IntegrityError, transaction

    snap = PowerSnapshot.objects.create(block_number=1, block_hash="0x", total_supply=0, holders=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        PowerSnapshotEntry.objects.create(snapshot=snap, address="0x" + "1" * 40, power=Decimal(0))
