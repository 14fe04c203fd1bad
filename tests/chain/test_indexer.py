"""Event indexing: holder set and parameter mirror, resumable, idempotent, behind the head."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jctgov.chain import client, params
from jctgov.chain.indexer import index_events, indexed_block
from jctgov.chain.models import ParameterMirror, VeLock

pytestmark = [pytest.mark.chain, pytest.mark.django_db]
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
    assert index_events(confirmations=0) == 1
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
    assert ParameterMirror.objects.count() == 2
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
