"""VotingEscrow (veJCT): exact time boundaries, history views, events and view reverts."""

from __future__ import annotations

import pytest

from jctgov.chain import client
from tests.chain.vemodel import MAXTIME, WEEK, Lock

WEI = 10**18


def ve(chain):
    return chain.contract("VotingEscrow")


def approve(chain, who: int, amount: int = 10**30) -> None:
    chain.send(chain.contract("JCT").functions.approve(ve(chain).address, amount), who)


def next_week_boundary(chain, after: int = 3600) -> int:
    return (chain.now() + after) // WEEK * WEEK + WEEK


def refused(reason: str, fn) -> None:
    with pytest.raises(client.ChainError) as info:
        fn()
    assert reason in str(info.value), str(info.value)


def test_metadata_constants_and_token(chain):
    escrow = ve(chain)
    assert escrow.functions.name().call() == "Vote-escrowed JCT"
    assert escrow.functions.symbol().call() == "veJCT"
    assert escrow.functions.decimals().call() == 18
    assert escrow.functions.token().call() == chain.deployments["JCT"]
    assert escrow.functions.WEEK().call() == WEEK == 604800
    assert escrow.functions.MAXTIME().call() == MAXTIME == 126144000
    types = [escrow.functions.CREATE_LOCK_TYPE, escrow.functions.INCREASE_LOCK_AMOUNT]
    types.append(escrow.functions.INCREASE_UNLOCK_TIME)
    assert [fn().call() for fn in types] == [1, 2, 3]
    assert escrow.functions.supply().call() == 0
    assert escrow.functions.totalSupply().call() == 0


def test_create_lock_needs_an_allowance(chain):
    escrow = ve(chain)
    refused(
        "ERC20InsufficientAllowance",
        lambda: chain.send(escrow.functions.createLock(WEI, chain.now() + 9 * WEEK), 5),
    )
    assert escrow.functions.locked(chain.accounts[5]).call() == [0, 0]


def test_unlock_time_rounds_down_so_a_lock_within_the_current_week_is_refused(chain):
    escrow, boundary = ve(chain), next_week_boundary(chain)
    approve(chain, 5)
    refused(
        "UnlockTimeNotInFuture",
        lambda: chain.send_at(boundary, escrow.functions.createLock(WEI, boundary + WEEK - 1), 5),
    )
    chain.send_at(boundary + 10, escrow.functions.createLock(WEI, boundary + 2 * WEEK - 1), 5)
    assert escrow.functions.locked(chain.accounts[5]).call() == [WEI, boundary + WEEK]


def test_lock_of_exactly_four_years_is_allowed_and_one_week_more_is_not(chain):
    escrow = ve(chain)
    approve(chain, 5)
    approve(chain, 6)
    # A block time t with t + MAXTIME on a week boundary: the longest lock possible.
    t = ((chain.now() + 3600 + MAXTIME) // WEEK + 1) * WEEK - MAXTIME
    refused(
        "UnlockTimeTooFar",
        lambda: chain.send_at(t, escrow.functions.createLock(WEI, t + MAXTIME + WEEK), 6),
    )
    chain.send_at(t + 1, escrow.functions.createLock(100 * WEI, t + MAXTIME), 5)
    assert escrow.functions.locked(chain.accounts[5]).call() == [100 * WEI, t + MAXTIME]
    assert escrow.functions.balanceOfAtTime(chain.accounts[5], t + 1).call() == Lock(
        100 * WEI, t + MAXTIME
    ).power(t + 1)


def test_withdraw_opens_exactly_at_the_unlock_time_and_extending_closes_there(chain):
    escrow = ve(chain)
    chain.lock(5, 10 * WEI, 3)
    chain.lock(6, 10 * WEI, 3)
    _, end = escrow.functions.locked(chain.accounts[5]).call()
    assert escrow.functions.locked(chain.accounts[6]).call()[1] == end
    approve(chain, 6)
    refused("LockNotExpired", lambda: chain.send_at(end - 2, escrow.functions.withdraw(), 5))
    chain.send_at(end - 1, escrow.functions.increaseAmount(WEI), 6)  # still open a second before
    chain.send_at(end, escrow.functions.withdraw(), 5)
    assert escrow.functions.locked(chain.accounts[5]).call() == [0, 0]
    assert client.vejct_balance(chain.accounts[6]) == 0  # power is zero at the unlock time
    refused("LockExpired", lambda: chain.send(escrow.functions.increaseAmount(WEI), 6))


def test_lock_smaller_than_maxtime_wei_has_no_power(chain):
    # slope = amount // MAXTIME (integer, as in Curve): dust locks carry no votes.
    chain.lock(5, MAXTIME - 1, 100)
    assert client.vejct_balance(chain.accounts[5]) == 0
    assert ve(chain).functions.totalSupply().call() == 0
    assert ve(chain).functions.supply().call() == MAXTIME - 1


def test_events_of_every_deposit_type_and_the_supply(chain):
    escrow = ve(chain)
    first = chain.lock(5, 100 * WEI, 10)
    _, end = escrow.functions.locked(chain.accounts[5]).call()
    approve(chain, 5)
    more = chain.send(escrow.functions.increaseAmount(30 * WEI), 5)
    later = chain.send(escrow.functions.increaseUnlockTime(end + 2 * WEEK), 5)
    deposits = escrow.events.Deposit().get_logs(from_block=first["block_number"])
    assert [
        (e["args"]["value"], e["args"]["locktime"], e["args"]["depositType"]) for e in deposits
    ] == [
        (100 * WEI, end, 1),
        (30 * WEI, end, 2),
        (0, end + 2 * WEEK, 3),
    ]
    assert [e["blockNumber"] for e in deposits[1:]] == [more["block_number"], later["block_number"]]
    chain.increase_time(13 * WEEK)
    chain.send(escrow.functions.withdraw(), 5)
    supplies = escrow.events.Supply().get_logs(from_block=first["block_number"])
    assert [(e["args"]["prevSupply"], e["args"]["supply"]) for e in supplies] == [
        (0, 100 * WEI),
        (100 * WEI, 130 * WEI),
        (130 * WEI, 130 * WEI),
        (130 * WEI, 0),
    ]


def test_history_points_slopes_and_scheduled_slope_changes(chain):
    escrow, user = ve(chain), chain.accounts[5]
    epoch0 = escrow.functions.epoch().call()
    receipt = chain.lock(5, 1000 * WEI, 20)
    _, end = escrow.functions.locked(user).call()
    slope = 1000 * WEI // MAXTIME
    ts = client.block_timestamp(receipt["block_number"])
    assert escrow.functions.userPointEpoch(user).call() == 1
    point = escrow.functions.userPointHistory(user, 0).call()
    assert point == (slope * (end - ts), slope, ts, receipt["block_number"])
    assert escrow.functions.epoch().call() == epoch0 + 1
    assert escrow.functions.pointHistory(epoch0 + 1).call() == point  # the only lock
    assert escrow.functions.slopeChanges(end).call() == slope
    chain.send(escrow.functions.increaseUnlockTime(end + 3 * WEEK), 5)
    assert escrow.functions.slopeChanges(end).call() == 0  # rescheduled, not doubled
    assert escrow.functions.slopeChanges(end + 3 * WEEK).call() == slope
    assert escrow.functions.userPointEpoch(user).call() == 2
    checkpoint = chain.send(escrow.functions.checkpoint(), 6)
    global_point = escrow.functions.pointHistory(escrow.functions.epoch().call()).call()
    assert global_point[3] == checkpoint["block_number"]
    assert escrow.functions.userPointEpoch(chain.accounts[6]).call() == 0  # anyone may call


def test_two_changes_in_one_block_leave_one_history_point(chain):
    escrow, user = ve(chain), chain.account(5)
    approve(chain, 5)
    w3 = chain.w3
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        nonce = w3.eth.get_transaction_count(user.address)
        base = {"from": user.address, "gas": 500_000, "chainId": w3.eth.chain_id}
        calls = [
            escrow.functions.createLock(100 * WEI, chain.now() + 10 * WEEK),
            escrow.functions.increaseAmount(50 * WEI),
        ]
        hashes = [
            w3.eth.send_raw_transaction(
                user.sign_transaction(
                    call.build_transaction({**base, "nonce": nonce + i})
                ).raw_transaction
            )
            for i, call in enumerate(calls)
        ]
        client.evm_mine()
    finally:
        w3.provider.make_request("evm_setAutomine", [True])
    receipts = [w3.eth.get_transaction_receipt(h) for h in hashes]
    assert [r["status"] for r in receipts] == [1, 1]
    assert receipts[0]["blockNumber"] == receipts[1]["blockNumber"]
    block = receipts[0]["blockNumber"]
    assert escrow.functions.userPointEpoch(user.address).call() == 1
    _, end = escrow.functions.locked(user.address).call()
    expected = Lock(150 * WEI, end).power(client.block_timestamp(block))
    assert escrow.functions.balanceOfAt(user.address, block).call() == expected
    assert escrow.functions.totalSupplyAt(block).call() == expected


def test_time_queries_match_the_model_in_the_past_and_project_the_future(chain):
    escrow, user = ve(chain), chain.accounts[5]
    receipt = chain.lock(5, 800 * WEI, 30)
    start = client.block_timestamp(receipt["block_number"])
    _, end = escrow.functions.locked(user).call()
    lock = Lock(800 * WEI, end)
    chain.increase_time(5 * WEEK)
    assert escrow.functions.balanceOfAtTime(user, start - 1).call() == 0  # before the lock
    for t in (start, start + 1, start + WEEK + 17, chain.now(), end - 1, end, end + WEEK):
        assert escrow.functions.balanceOfAtTime(user, t).call() == lock.power(t), t
        assert escrow.functions.totalSupplyAtTime(t).call() == lock.power(t), t


def test_block_views_refuse_future_blocks_and_impossible_timestamps(chain):
    escrow, user = ve(chain), chain.accounts[5]
    first = chain.lock(5, 100 * WEI, 10)
    chain.increase_time(WEEK)
    second = chain.send(escrow.functions.checkpoint(), 6)
    chain.increase_time(WEEK)
    head = chain.head()
    future = head + 10
    for fn in (
        escrow.functions.balanceOfAt(user, future),
        escrow.functions.totalSupplyAt(future),
        escrow.functions.balanceOfAtBlock(user, future, chain.now()),
        escrow.functions.totalSupplyAtBlock(future, chain.now()),
    ):
        assert chain.call_reverts(fn) == "FutureBlock()"
    b1, t1 = first["block_number"], client.block_timestamp(first["block_number"])
    t2 = client.block_timestamp(second["block_number"])
    between = b1 + 1  # a block after the lock, before the checkpoint: its time is in (t1, t2)
    for bad in (t1 - 1, t2 + 1):
        assert chain.call_reverts(escrow.functions.totalSupplyAtBlock(between, bad)) == (
            "InvalidBlockTimestamp()"
        )
        assert chain.call_reverts(escrow.functions.balanceOfAtBlock(user, between, bad)) == (
            "InvalidBlockTimestamp()"
        )
    # After the last checkpoint a claimed time may not lie beyond the chain's own clock.
    assert (
        chain.call_reverts(
            escrow.functions.totalSupplyAtBlock(head - 1, chain.now() + 1000), block=head
        )
        == "InvalidBlockTimestamp()"
    )
    # At the current block the time must be the block's own.
    assert (
        chain.call_reverts(escrow.functions.totalSupplyAtBlock(head, chain.now() - 1), block=head)
        == "InvalidBlockTimestamp()"
    )
    true_time = client.block_timestamp(between)
    assert escrow.functions.balanceOfAtBlock(user, between, true_time).call() == Lock(
        100 * WEI, escrow.functions.locked(user).call()[1]
    ).power(true_time)
    assert escrow.functions.totalSupplyAtBlock(0, 0).call() == 0  # before the contract existed
    assert escrow.functions.totalSupplyAt(0).call() == 0


def test_a_deposit_too_large_for_the_lock_reverts_instead_of_being_truncated(chain):
    """2**128 + 1 JCT-wei would be stored as 1 by a plain uint128 cast while all of it is
    transferred in: SafeCast makes the deposit revert and nothing moves."""
    escrow, jct = ve(chain), chain.contract("JCT")
    huge = 2**128 + WEI
    chain.send(jct.functions.mint(chain.accounts[6], huge), 0)
    chain.send(jct.functions.approve(escrow.address, huge), 6)
    before = jct.functions.balanceOf(chain.accounts[6]).call()
    refused(
        "SafeCastOverflowedUintDowncast",
        lambda: chain.send(escrow.functions.createLock(huge, next_week_boundary(chain)), 6),
    )
    assert jct.functions.balanceOf(chain.accounts[6]).call() == before
    assert escrow.functions.locked(chain.accounts[6]).call() == [0, 0]
    assert escrow.functions.supply().call() == 0
