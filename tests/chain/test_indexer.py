"""Event indexing: holder set and parameter mirror, resumable, idempotent, behind the head."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from jctgov.chain import client, params
from jctgov.chain.anvil import free_port
from jctgov.chain.indexer import index_events, indexed_block
from jctgov.chain.models import IndexerCursor, ParameterMirror, VeLock

pytestmark = pytest.mark.django_db
WEI = 10**18
WEEK = 7 * 24 * 3600


def test_indexer_records_locks_and_stays_behind_the_head_by_confirmations(chain):
    chain.lock(1, 100 * WEI, 10)
    chain.lock(2, 200 * WEI, 20)
    index_events(confirmations=0)
    locks = {v.address: v for v in VeLock.objects.all()}
    assert set(locks) == {chain.accounts[1], chain.accounts[2]}
    assert locks[chain.accounts[2]].amount == Decimal(200 * WEI)
    _, end = chain.contract("VotingEscrow").functions.locked(chain.accounts[2]).call()
    assert locks[chain.accounts[2]].unlock_time == end
    chain.lock(3, 300 * WEI, 30)  # 2 txs: approve + createLock, so the lock is the head block
    index_events(confirmations=2)
    assert not VeLock.objects.filter(address=chain.accounts[3]).exists()
    assert indexed_block() == client.head_block() - 2
    chain.mine(2)
    index_events(confirmations=2)
    assert VeLock.objects.get(address=chain.accounts[3]).amount == Decimal(300 * WEI)


def test_indexer_resumes_from_its_cursor_and_never_applies_an_event_twice(chain):
    escrow, jct = chain.contract("VotingEscrow"), chain.contract("JCT")
    chain.lock(1, 100 * WEI, 10)
    assert index_events(confirmations=0) == 2  # the lock and the timelock's MinDelayChange
    chain.send(jct.functions.approve(escrow.address, 50 * WEI), 1)
    chain.send(escrow.functions.increaseAmount(50 * WEI), 1)
    _, end = escrow.functions.locked(chain.accounts[1]).call()
    chain.send(escrow.functions.increaseUnlockTime(end + 4 * WEEK), 1)
    assert index_events(confirmations=0, chunk=1) == 2
    assert index_events(confirmations=0) == 0  # nothing new: a rerun changes nothing
    lock = VeLock.objects.get(address=chain.accounts[1])
    assert (lock.amount, lock.unlock_time) == (Decimal(150 * WEI), end + 4 * WEEK)
    chain.increase_time(20 * WEEK)
    chain.send(escrow.functions.withdraw(), 1)
    index_events(confirmations=0)
    lock.refresh_from_db()
    assert (lock.amount, lock.unlock_time) == (0, 0)


def test_parameter_mirror_follows_parameter_changed_events(chain):
    assert params.confirmations() == 2  # the default until the chain says otherwise
    chain.set_parameter("governance.snapshot_confirmations", 5)
    receipt = chain.set_parameter("governance.snapshot_confirmations", 3)
    chain.set_parameter("market.jct_fee_bps", 75)
    index_events(confirmations=0)
    row = ParameterMirror.objects.get(key_hash=params.key_hash("governance.snapshot_confirmations"))
    assert (row.value, row.block_number, row.tx_hash) == (
        3,
        receipt["block_number"],
        receipt["tx_hash"],
    )
    assert params.confirmations() == 3
    # Two parameters set, plus governance.timelock_delay_s from the timelock's MinDelayChange.
    assert ParameterMirror.objects.count() == 3
    from jctgov.core.parameters import current_value

    assert current_value("market.jct_fee_bps") == 75


def test_index_chain_task_skips_quietly_when_the_chain_is_down(chain, settings):
    from jctgov.chain.anvil import free_port
    from jctgov.chain.tasks import index_chain

    chain.lock(1, WEI, 5)
    settings.CHAIN_RPC_URL = f"http://127.0.0.1:{free_port()}"
    assert index_chain.apply().get() == 0
    assert indexed_block() is None
    settings.CHAIN_RPC_URL = chain.w3.provider.endpoint_uri
    index_chain.apply()
    assert indexed_block() == client.head_block() - 2


def lockers() -> dict[str, int]:
    return {v.address: int(v.amount) for v in VeLock.objects.filter(amount__gt=0)}


def test_indexer_never_goes_past_the_confirmations_even_when_asked(chain):
    chain.lock(1, WEI, 5)
    head = chain.head()
    index_events(confirmations=2, to_block=head)
    assert indexed_block() == head - 2
    assert lockers() == {}


def test_reorg_of_unconfirmed_blocks_never_reaches_the_mirror(chain):
    chain.mine(3)
    index_events(confirmations=2)
    fork_point = client.evm_snapshot()
    chain.lock(1, 100 * WEI, 10)  # chain A: in blocks younger than the confirmations
    index_events(confirmations=2)
    assert lockers() == {}
    client.evm_revert(fork_point)
    chain.lock(2, 200 * WEI, 10)  # chain B replaces them
    chain.mine(2)
    index_events(confirmations=2)
    assert lockers() == {chain.accounts[2]: 200 * WEI}


def test_reorg_below_the_cursor_rebuilds_the_mirror_and_is_logged(chain, caplog):
    fork_point = client.evm_snapshot()
    chain.lock(1, 100 * WEI, 10)  # chain A
    chain.set_parameter("market.jct_fee_bps", 75)
    index_events(confirmations=0)
    assert lockers() == {chain.accounts[1]: 100 * WEI}
    cursor = IndexerCursor.objects.get()
    assert cursor.block_hash == client.block_hash(cursor.block)

    client.evm_revert(fork_point)
    chain.lock(2, 200 * WEI, 10)  # chain B: no lock of account 1, no parameter change
    chain.lock(3, 300 * WEI, 10)
    chain.mine(5)
    with caplog.at_level(logging.ERROR, logger="jctgov.chain.indexer"):
        index_events(confirmations=0)
    assert "no longer on the chain" in caplog.text
    assert lockers() == {chain.accounts[2]: 200 * WEI, chain.accounts[3]: 300 * WEI}
    # Chain B changed no parameter: only the timelock's deploy-time delay is mirrored.
    assert not ParameterMirror.objects.filter(key_hash=params.key_hash("market.jct_fee_bps"))
    assert ParameterMirror.objects.count() == 1
    cursor.refresh_from_db()
    assert (cursor.block, cursor.block_hash) == (chain.head(), client.block_hash(chain.head()))


def test_a_reset_chain_shorter_than_the_cursor_is_reindexed(chain):
    fork_point = client.evm_snapshot()
    chain.lock(1, 100 * WEI, 10)
    chain.mine(20)
    index_events(confirmations=0)
    client.evm_revert(fork_point)  # e.g. a dev chain restarted from an older state
    chain.lock(2, 5 * WEI, 10)
    assert indexed_block() > chain.head()
    index_events(confirmations=0)
    assert lockers() == {chain.accounts[2]: 5 * WEI}
    assert indexed_block() == chain.head()


def test_rpc_failure_midway_keeps_whole_chunks_and_the_next_run_resumes(
    chain, settings, monkeypatch
):
    start = chain.head() + 1
    chain.lock(1, 100 * WEI, 10)  # approve + lock: 2 blocks
    chain.lock(2, 200 * WEI, 10)
    chain.lock(3, 300 * WEI, 10)
    end = chain.head()
    IndexerCursor.objects.create(name="chain-events", block=start - 1)
    live_url, read_events = settings.CHAIN_RPC_URL, client.chain_events
    asked: list[tuple[int, int]] = []

    def flaky_events(first, last):
        asked.append((first, last))
        if len(asked) == 3:  # the RPC goes away while the third chunk is being read
            settings.CHAIN_RPC_URL = f"http://127.0.0.1:{free_port()}"
        return read_events(first, last)

    monkeypatch.setattr(client, "chain_events", flaky_events)
    with pytest.raises(client.ChainUnavailable):
        index_events(confirmations=0, chunk=2)
    assert indexed_block() == start + 3  # two whole chunks of two blocks
    assert lockers() == {chain.accounts[1]: 100 * WEI, chain.accounts[2]: 200 * WEI}

    settings.CHAIN_RPC_URL = live_url
    asked.clear()
    assert index_events(confirmations=0, chunk=2) == 1  # only account 3's Deposit is new
    assert asked[0][0] == start + 4  # resumed right after the last whole chunk
    assert indexed_block() == end
    assert lockers() == {
        chain.accounts[1]: 100 * WEI,
        chain.accounts[2]: 200 * WEI,
        chain.accounts[3]: 300 * WEI,
    }


def test_delegation_mirror_follows_delegate_changed_events(chain):
    from jctgov.chain.models import Delegation

    a = chain.accounts
    chain.delegate(1, a[2])
    chain.delegate(3, a[2])
    chain.delegate(1, a[4])
    chain.delegate(3, None)
    index_events(confirmations=0)
    mirror = dict(Delegation.objects.values_list("delegator", "delegate"))
    assert mirror == {a[1]: a[4], a[3]: ""}  # 3 undelegated: the row stays, empty
