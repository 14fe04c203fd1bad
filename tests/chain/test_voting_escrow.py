"""VotingEscrow (veJCT): locks, decay, history and every revert, against a Python model."""

from __future__ import annotations

import random

import pytest

from jctgov.chain import client
from tests.chain.vemodel import MAXTIME, WEEK, Lock, round_week

WEI = 10**18


def ve(chain):
    return chain.contract("VotingEscrow")


def block_ts(chain, receipt) -> int:
    return client.block_timestamp(receipt["block_number"])


def expect_revert(reason: str, fn):
    with pytest.raises(client.ChainError) as info:
        fn()
    assert reason in str(info.value)


def test_create_lock_rounds_unlock_down_to_a_week_and_pulls_tokens(chain):
    holder = chain.accounts[1]
    before = client.token_balance("JCT", holder)
    receipt = chain.lock(1, 1000 * WEI, 52)
    amount, end = ve(chain).functions.locked(holder).call()
    assert amount == 1000 * WEI
    assert end % WEEK == 0 and end == round_week(end)
    assert client.token_balance("JCT", holder) == before - 1000 * WEI
    assert client.token_balance("JCT", ve(chain).address) == 1000 * WEI
    assert ve(chain).functions.supply().call() == 1000 * WEI
    event = ve(chain).events.Deposit().get_logs(from_block=receipt["block_number"])[0]["args"]
    assert (event["provider"], event["value"], event["locktime"], event["depositType"]) == (
        holder,
        1000 * WEI,
        end,
        1,
    )
    assert event["ts"] == block_ts(chain, receipt)


def test_power_decays_linearly_to_zero_matching_the_model(chain):
    receipt = chain.lock(1, 1234 * WEI, 208)
    _, end = ve(chain).functions.locked(chain.accounts[1]).call()
    lock = Lock(1234 * WEI, end)
    start = block_ts(chain, receipt)
    assert end - start <= MAXTIME
    step = (end - start) // 37
    seen = []
    for i in range(40):
        ts = chain.now()
        power = client.vejct_balance(chain.accounts[1])
        assert power == lock.power(ts), f"point {i} at t={ts}"
        assert ve(chain).functions.totalSupply().call() == power
        seen.append((chain.head(), ts, power))
        chain.increase_time(step + 1111 * i)
    assert seen[-1][2] == 0 and seen[0][2] > seen[10][2] > seen[20][2] > 0
    for block, _ts, power in seen:  # and the past stays exactly as it was
        assert client.vejct_balance_at(chain.accounts[1], block) == power
        assert client.vejct_total_supply_at(block) == power


def test_max_lock_power_is_about_the_locked_amount(chain):
    chain.lock(2, 100 * WEI, 209)  # rounds down to within 4 years
    power = client.vejct_balance(chain.accounts[2])
    assert 99 * WEI < power <= 100 * WEI


def test_increase_amount_and_unlock_time(chain):
    chain.lock(1, 100 * WEI, 10)
    escrow = ve(chain)
    _, end = escrow.functions.locked(chain.accounts[1]).call()
    chain.send(chain.contract("JCT").functions.approve(escrow.address, 50 * WEI), 1)
    chain.send(escrow.functions.increaseAmount(50 * WEI), 1)
    assert escrow.functions.locked(chain.accounts[1]).call() == [150 * WEI, end]
    assert client.vejct_balance(chain.accounts[1]) == Lock(150 * WEI, end).power(chain.now())
    chain.send(escrow.functions.increaseUnlockTime(end + 5 * WEEK + 99), 1)
    assert escrow.functions.locked(chain.accounts[1]).call() == [150 * WEI, end + 5 * WEEK]
    assert client.vejct_balance(chain.accounts[1]) == Lock(150 * WEI, end + 5 * WEEK).power(
        chain.now()
    )


def test_withdraw_after_expiry_returns_tokens_and_clears_lock(chain):
    chain.lock(3, 70 * WEI, 2)
    before = client.token_balance("JCT", chain.accounts[3])
    chain.increase_time(3 * WEEK)
    receipt = chain.send(ve(chain).functions.withdraw(), 3)
    assert client.token_balance("JCT", chain.accounts[3]) == before + 70 * WEI
    assert ve(chain).functions.locked(chain.accounts[3]).call() == [0, 0]
    assert ve(chain).functions.supply().call() == 0
    event = ve(chain).events.Withdraw().get_logs(from_block=receipt["block_number"])[0]["args"]
    assert (event["provider"], event["value"]) == (chain.accounts[3], 70 * WEI)
    chain.lock(3, 10 * WEI, 4)  # a fresh lock is allowed after withdrawing
    assert client.vejct_balance(chain.accounts[3]) > 0


def test_every_revert_is_refused_with_its_reason(chain):
    escrow, jct = ve(chain), chain.contract("JCT")
    chain.send(jct.functions.approve(escrow.address, 10**30), 4)
    now = chain.now()
    expect_revert(
        "ZeroValue", lambda: chain.send(escrow.functions.createLock(0, now + 9 * WEEK), 4)
    )
    expect_revert(
        "UnlockTimeNotInFuture", lambda: chain.send(escrow.functions.createLock(WEI, now), 4)
    )
    expect_revert(
        "UnlockTimeTooFar",
        lambda: chain.send(escrow.functions.createLock(WEI, now + MAXTIME + 2 * WEEK), 4),
    )
    expect_revert("NoLock", lambda: chain.send(escrow.functions.increaseAmount(WEI), 4))
    expect_revert(
        "NoLock", lambda: chain.send(escrow.functions.increaseUnlockTime(now + 9 * WEEK), 4)
    )
    expect_revert("NoLock", lambda: chain.send(escrow.functions.withdraw(), 4))
    expect_revert(
        "ERC20InsufficientBalance",
        lambda: chain.send(escrow.functions.createLock(10**29, now + 9 * WEEK), 4),
    )
    chain.send(escrow.functions.createLock(WEI, now + 9 * WEEK), 4)
    _, end = escrow.functions.locked(chain.accounts[4]).call()
    expect_revert(
        "LockExists", lambda: chain.send(escrow.functions.createLock(WEI, now + 9 * WEEK), 4)
    )
    expect_revert("ZeroValue", lambda: chain.send(escrow.functions.increaseAmount(0), 4))
    expect_revert(
        "UnlockTimeNotLater", lambda: chain.send(escrow.functions.increaseUnlockTime(end), 4)
    )
    expect_revert(
        "UnlockTimeTooFar",
        lambda: chain.send(escrow.functions.increaseUnlockTime(now + MAXTIME + 2 * WEEK), 4),
    )
    expect_revert("LockNotExpired", lambda: chain.send(escrow.functions.withdraw(), 4))
    chain.increase_time(10 * WEEK)
    expect_revert("LockExpired", lambda: chain.send(escrow.functions.increaseAmount(WEI), 4))
    expect_revert(
        "LockExpired", lambda: chain.send(escrow.functions.increaseUnlockTime(end + 9 * WEEK), 4)
    )
    head = chain.head()
    with pytest.raises(Exception, match="FutureBlock|0x"):
        escrow.functions.balanceOfAt(chain.accounts[4], head + 10).call()
    with pytest.raises(Exception, match="FutureBlock|0x"):
        escrow.functions.totalSupplyAt(head + 10).call()
    with pytest.raises(Exception, match="InvalidBlockTimestamp|0x"):
        escrow.functions.totalSupplyAtBlock(head, chain.now() + 5).call()


def test_block_queries_are_exact_at_checkpoints_and_bounded_elsewhere(chain):
    receipt = chain.lock(1, 500 * WEI, 100)
    _, end = ve(chain).functions.locked(chain.accounts[1]).call()
    chain.increase_time(3 * WEEK)
    quiet_block = chain.head()  # no checkpoint here: balanceOfAt interpolates the time
    chain.increase_time(3 * WEEK)
    escrow = ve(chain)
    lock = Lock(500 * WEI, end)
    assert escrow.functions.balanceOfAt(
        chain.accounts[1], receipt["block_number"]
    ).call() == lock.power(block_ts(chain, receipt))
    exact = lock.power(client.block_timestamp(quiet_block))
    assert client.vejct_balance_at(chain.accounts[1], quiet_block) == exact
    estimate = escrow.functions.balanceOfAt(chain.accounts[1], quiet_block).call()
    slope = 500 * WEI // MAXTIME
    assert abs(estimate - exact) <= slope * 3 * WEEK  # the documented interpolation bound
    checkpoint = chain.send(escrow.functions.checkpoint(), 5)
    assert escrow.functions.balanceOfAt(
        chain.accounts[1], checkpoint["block_number"]
    ).call() == lock.power(block_ts(chain, checkpoint))
    assert escrow.functions.balanceOfAt(chain.accounts[1], 0).call() == 0


def _step(chain, rng, locks, user):
    escrow, now = ve(chain), chain.now()
    lock = locks.get(user, Lock())
    if lock.amount == 0:
        amount = rng.randint(1, 5000) * WEI
        chain.send(chain.contract("JCT").functions.approve(escrow.address, amount), user)
        receipt = chain.send(
            escrow.functions.createLock(amount, now + rng.randint(2, 150) * WEEK), user
        )
    elif lock.end <= now:
        receipt = chain.send(escrow.functions.withdraw(), user)
    elif rng.random() < 0.5:
        amount = rng.randint(1, 1000) * WEI
        chain.send(chain.contract("JCT").functions.approve(escrow.address, amount), user)
        receipt = chain.send(escrow.functions.increaseAmount(amount), user)
    elif lock.end + WEEK <= now + MAXTIME:
        target = min(now + MAXTIME, lock.end + rng.randint(1, 60) * WEEK)
        receipt = chain.send(escrow.functions.increaseUnlockTime(target), user)
    else:
        return
    amount, end = escrow.functions.locked(chain.accounts[user]).call()
    locks[user] = Lock(amount, end)
    return receipt


def test_history_over_many_weeks_matches_the_model_and_supply_is_the_sum(chain):
    rng = random.Random(20240601)
    users = [1, 2, 3, 4]
    locks: dict[int, Lock] = {}
    history = []  # (block, ts, {user: Lock})
    for _ in range(28):
        for user in rng.sample(users, rng.randint(1, 3)):
            _step(chain, rng, locks, user)
        history.append((chain.head(), chain.now(), dict(locks)))
        chain.increase_time(rng.randint(1, 4) * WEEK + rng.randint(0, WEEK))
        history.append((chain.head(), chain.now(), dict(locks)))
    escrow = ve(chain)
    for block, ts, state in history:
        expected = {u: state.get(u, Lock()).power(ts) for u in users}
        powers = client.vejct_balances_at([chain.accounts[u] for u in users], block)
        assert [powers[chain.accounts[u]] for u in users] == [expected[u] for u in users], block
        total = client.vejct_total_supply_at(block)
        assert total == sum(expected.values()), f"block {block}"
        assert escrow.functions.totalSupplyAtBlock(block, ts).call() == total
        # Curve's interface: totalSupplyAt = the sum of balanceOfAt over the holders, at every
        # block (both use the same time for the block, exact here or interpolated).
        curve = [escrow.functions.balanceOfAt(chain.accounts[u], block).call() for u in users]
        assert escrow.functions.totalSupplyAt(block).call() == sum(curve), f"block {block}"
    assert any(sum(s.get(u, Lock()).power(t) for u in users) > 0 for _, t, s in history)


def test_total_supply_walks_the_weekly_slope_changes_without_any_checkpoint(chain):
    # Locks ending in different weeks; then only time passes, so totalSupply must apply each
    # scheduled slope change itself (_supplyAt), at every point matching the sum of the model.
    plan = {
        1: (1234567 * WEI + 89, 7),
        2: (3 * WEI + 1, 30),
        3: (777 * WEI, 120),
        4: (10 * WEI, 208),
    }
    locks = {}
    for user, (amount, weeks) in plan.items():
        chain.lock(user, amount, weeks)
        locks[user] = Lock(*ve(chain).functions.locked(chain.accounts[user]).call())
    rng = random.Random(7)
    last = max(lock.end for lock in locks.values())
    while chain.now() <= last + WEEK:
        t = chain.now()
        expected = {u: lock.power(t) for u, lock in locks.items()}
        assert ve(chain).functions.totalSupply().call() == sum(expected.values()), t
        for user, power in expected.items():
            assert client.vejct_balance(chain.accounts[user]) == power
        chain.increase_time(rng.randint(1, 9) * WEEK + rng.randint(0, WEEK))
    assert ve(chain).functions.totalSupply().call() == 0
