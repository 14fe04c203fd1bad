"""Tokens, TimelockController wiring, ParameterStore, GrantEscrow and Multicall3 on Anvil."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector, keccak

from jctgov.chain import client
from jctgov.core.parameters import current_value
from tests.fixtures.chain import TEST_TIMELOCK_DELAY_S

WEI = 10**18
ZERO32 = b"\0" * 32


def refused(reason: str, fn) -> None:
    with pytest.raises(client.ChainError) as info:
        fn()
    assert reason in str(info.value)


def test_tokens_have_their_decimals_and_only_the_owner_mints(chain):
    jct, usd = chain.contract("JCT"), chain.contract("MockStablecoin")
    assert (jct.functions.decimals().call(), jct.functions.symbol().call()) == (18, "JCT")
    assert usd.functions.decimals().call() == 6
    assert client.token_balance("JCT", chain.deployments["TimelockController"]) == 10_000_000 * WEI
    chain.mint(chain.accounts[5], 7 * 10**6, token="MockStablecoin")
    assert client.token_balance("MockStablecoin", chain.accounts[5]) == 100_000 * 10**6 + 7 * 10**6
    for token in (jct, usd):
        refused(
            "OwnableUnauthorizedAccount",
            lambda token=token: chain.send(token.functions.mint(chain.accounts[5], 1), 5),
        )
    assert jct.functions.owner().call() == usd.functions.owner().call() == chain.accounts[0]


def test_no_externally_owned_account_holds_a_timelock_or_escrow_role(chain, db):
    """The Safe alone proposes and cancels and pays; anyone executes; the timelock administers
    itself. No dev account, the deployer and the relayer included, holds any of these roles."""
    timelock, escrow = chain.contract("TimelockController"), chain.contract("GrantEscrow")
    safe, zero = chain.deployments["Safe"], "0x" + "00" * 20
    roles = {
        name: getattr(timelock.functions, name)().call()
        for name in ("PROPOSER_ROLE", "CANCELLER_ROLE", "EXECUTOR_ROLE", "DEFAULT_ADMIN_ROLE")
    }
    assert timelock.functions.hasRole(roles["PROPOSER_ROLE"], safe).call()
    assert timelock.functions.hasRole(roles["CANCELLER_ROLE"], safe).call()
    assert timelock.functions.hasRole(roles["EXECUTOR_ROLE"], zero).call()  # open to anyone
    assert timelock.functions.hasRole(roles["DEFAULT_ADMIN_ROLE"], timelock.address).call()
    payer, funder = escrow.functions.PAYOUT_ROLE().call(), escrow.functions.FUNDER_ROLE().call()
    admin = escrow.functions.DEFAULT_ADMIN_ROLE().call()
    assert escrow.functions.hasRole(payer, safe).call()
    for account in chain.accounts:  # every dev key: deployer, relayer, Safe owner, demo holders
        for name, role in roles.items():
            if name != "EXECUTOR_ROLE":
                assert not timelock.functions.hasRole(role, account).call(), (name, account)
        for role in (payer, funder, admin):
            assert not escrow.functions.hasRole(role, account).call(), account
    assert timelock.functions.getMinDelay().call() == TEST_TIMELOCK_DELAY_S
    assert TEST_TIMELOCK_DELAY_S == current_value("governance.timelock_delay_s")


def test_the_relayer_key_alone_cannot_schedule_cancel_or_pay(chain):
    """The attack of issue 12: the worker's key scheduling a parameter change with no proposal."""
    store, timelock = chain.contract("ParameterStore"), chain.contract("TimelockController")
    escrow = chain.contract("GrantEscrow")
    data = store.functions.setParameter(
        keccak(text="market.jct_fee_bps"), 50
    )._encode_transaction_data()
    for fn in (
        timelock.functions.schedule(store.address, 0, data, ZERO32, ZERO32, TEST_TIMELOCK_DELAY_S),
        timelock.functions.cancel(ZERO32),
        escrow.functions.payoutOnce(1, chain.accounts[0], 1, ZERO32),
    ):
        refused("AccessControlUnauthorizedAccount", lambda fn=fn: chain.send(fn, 0))


def test_parameter_changes_only_through_the_timelock_after_its_delay(chain):
    store, timelock = chain.contract("ParameterStore"), chain.contract("TimelockController")
    key = keccak(text="market.jct_fee_bps")
    refused(
        "OwnableUnauthorizedAccount", lambda: chain.send(store.functions.setParameter(key, 5), 0)
    )
    assert client.parameter_value("market.jct_fee_bps") is None
    data = store.functions.setParameter(key, 150)._encode_transaction_data()
    salt = keccak(text="proposal-1")
    refused(  # even the Safe cannot schedule below the on-chain minimum delay
        "TimelockInsufficientDelay",
        lambda: chain.as_safe(
            timelock.functions.schedule(store.address, 0, data, ZERO32, salt, 60)
        ),
    )
    chain.as_safe(
        timelock.functions.schedule(store.address, 0, data, ZERO32, salt, TEST_TIMELOCK_DELAY_S)
    )
    execute = timelock.functions.execute(store.address, 0, data, ZERO32, salt)
    refused("TimelockUnexpectedOperationState", lambda: chain.send(execute, 7))
    chain.increase_time(TEST_TIMELOCK_DELAY_S)
    receipt = chain.send(execute, 7)  # any account executes a ready operation
    assert client.parameter_value("market.jct_fee_bps") == 150
    assert store.functions.getParameter(key).call() == 150
    event = store.events.ParameterChanged().get_logs(from_block=receipt["block_number"])[0]["args"]
    assert (event["key"], event["value"]) == (key, 150)
    with pytest.raises(Exception, match="ParameterNotSet|0x"):
        store.functions.getParameter(keccak(text="unset")).call()


def _ref(n: int) -> bytes:
    return keccak(text=f"test-ref-{n}")


def test_grant_escrow_has_no_unreferenced_payout():
    """Issue 15: the retry-unsafe ``payout(id, to, amount)`` is gone; ``payoutOnce`` remains."""
    names = {item.get("name") for item in client.artifact("GrantEscrow")["abi"]}
    assert "payoutOnce" in names and "payout" not in names


def _fund(chain, program_id: int, amount: int):
    jct, escrow = chain.contract("JCT"), chain.contract("GrantEscrow")
    chain.as_timelock(jct.functions.approve(escrow.address, amount))
    return chain.as_timelock(escrow.functions.fundProgram(program_id, amount))


def test_grant_escrow_pays_out_up_to_the_program_budget_and_never_more(chain):
    escrow = chain.contract("GrantEscrow")
    _fund(chain, 7, 1000 * WEI)
    _fund(chain, 7, 500 * WEI)
    assert escrow.functions.remaining(7).call() == 1500 * WEI
    assert client.token_balance("JCT", escrow.address) == 1500 * WEI
    grantee = chain.accounts[6]
    before = client.token_balance("JCT", grantee)
    pay = escrow.functions.payoutOnce
    chain.as_safe(pay(7, grantee, 1200 * WEI, _ref(0)))  # the Safe holds PAYOUT_ROLE
    assert client.token_balance("JCT", grantee) == before + 1200 * WEI
    assert escrow.functions.remaining(7).call() == 300 * WEI
    refused("ExceedsRemaining", lambda: chain.as_safe(pay(7, grantee, 301 * WEI, _ref(1))))
    refused("ExceedsRemaining", lambda: chain.as_safe(pay(8, grantee, 1, _ref(1))))
    refused("ZeroAmount", lambda: chain.as_safe(pay(7, grantee, 0, _ref(1))))
    refused("ZeroAddress", lambda: chain.as_safe(pay(7, "0x" + "00" * 20, 1, _ref(1))))
    ref = keccak(text="application-3/milestone-1")
    chain.as_safe(pay(7, grantee, 100 * WEI, ref))
    refused("AlreadyPaid", lambda: chain.as_safe(pay(7, grantee, 100 * WEI, ref)))
    assert (
        escrow.functions.paidRefs(ref).call() and escrow.functions.remaining(7).call() == 200 * WEI
    )
    events = escrow.events.Payout().get_logs(from_block=0)
    assert [e["args"]["amount"] for e in events] == [1200 * WEI, 100 * WEI]


def test_grant_escrow_roles_are_enforced(chain):
    escrow, jct = chain.contract("GrantEscrow"), chain.contract("JCT")
    refused(
        "AccessControlUnauthorizedAccount",
        lambda: chain.send(escrow.functions.fundProgram(1, WEI), 2),
    )
    refused(
        "AccessControlUnauthorizedAccount",
        lambda: chain.send(escrow.functions.payoutOnce(1, chain.accounts[2], 1, _ref(0)), 2),
    )
    funder = escrow.functions.FUNDER_ROLE().call()
    assert escrow.functions.hasRole(funder, chain.deployments["TimelockController"]).call()
    chain.send(jct.functions.approve(escrow.address, WEI), 0)
    refused(
        "AccessControlUnauthorizedAccount",
        lambda: chain.send(escrow.functions.fundProgram(1, WEI), 0),
    )


def test_multicall_aggregates_reads_and_honours_allow_failure(chain):
    chain.lock(1, 10 * WEI, 20)
    escrow = client.address_of("VotingEscrow")
    balance_of = function_signature_to_4byte_selector("balanceOf(address)")
    calls = [(escrow, balance_of + encode(["address"], [a])) for a in chain.accounts[:3]]
    calls.append((escrow, bytes.fromhex("deadbeef")))  # no such function: reverts
    results = client.multicall(calls, allow_failure=True)
    assert results[3] is None
    powers = [int.from_bytes(r, "big") for r in results[:3]]
    assert powers[0] == 0 and powers[1] == client.vejct_balance(chain.accounts[1]) > 0
    with pytest.raises(client.ChainError, match="CallFailed"):
        client.multicall(calls)
    multicall = chain.contract("Multicall3")
    assert multicall.functions.getBlockNumber().call() == chain.head()
    assert multicall.functions.getEthBalance(chain.accounts[9]).call() > 0


def test_parameter_store_views_and_ownership(chain):
    store = chain.contract("ParameterStore")
    key = keccak(text="market.weight_price")
    assert store.functions.owner().call() == chain.deployments["TimelockController"]
    assert (store.functions.values(key).call(), store.functions.isSet(key).call()) == (0, False)
    assert store.functions.tryGetParameter(key).call() == [False, 0]
    assert (
        chain.call_reverts(store.functions.getParameter(key)) == f"ParameterNotSet(0x{key.hex()})"
    )
    receipt = chain.set_parameter("market.weight_price", 0)  # zero on purpose is still "set"
    assert store.functions.isSet(key).call() is True
    assert store.functions.tryGetParameter(key).call() == [True, 0]
    assert store.functions.getParameter(key).call() == 0
    chain.set_parameter("market.weight_price", 10_000)  # the upper bound, inclusive
    assert store.functions.values(key).call() == 10_000
    events = store.events.ParameterChanged().get_logs(from_block=receipt["block_number"])
    assert [e["args"]["value"] for e in events] == [0, 10_000]
    for fn in (
        store.functions.transferOwnership(chain.accounts[1]),
        store.functions.renounceOwnership(),
    ):
        refused("OwnableUnauthorizedAccount", lambda fn=fn: chain.send(fn, 1))
    assert store.functions.owner().call() == chain.deployments["TimelockController"]


def test_grant_escrow_funding_is_pulled_and_recorded(chain):
    escrow, jct = chain.contract("GrantEscrow"), chain.contract("JCT")
    assert escrow.functions.token().call() == chain.deployments["JCT"]
    refused("ZeroAmount", lambda: chain.as_timelock(escrow.functions.fundProgram(3, 0)))
    refused(
        "ERC20InsufficientAllowance",
        lambda: chain.as_timelock(escrow.functions.fundProgram(3, WEI)),  # no approve first
    )
    assert escrow.functions.programs(3).call() == [0, 0]
    receipt = _fund(chain, 3, 40 * WEI)
    _fund(chain, 3, 2 * WEI)
    events = escrow.events.ProgramFunded().get_logs(from_block=receipt["block_number"])
    assert [(e["args"]["id"], e["args"]["amount"], e["args"]["funded"]) for e in events] == [
        (3, 40 * WEI, 40 * WEI),
        (3, 2 * WEI, 42 * WEI),
    ]
    chain.as_safe(escrow.functions.payoutOnce(3, chain.accounts[7], 5 * WEI, _ref(0)))
    assert escrow.functions.programs(3).call() == [42 * WEI, 5 * WEI]
    assert client.token_balance("JCT", escrow.address) == 37 * WEI
    assert (
        jct.functions.allowance(chain.deployments["TimelockController"], escrow.address).call() == 0
    )


def test_grant_escrow_refusals_carry_their_arguments_and_leave_no_trace(chain):
    escrow = chain.contract("GrantEscrow")
    _fund(chain, 9, 10 * WEI)
    grantee, ref = chain.accounts[7], keccak(text="application-1/milestone-2")
    refused(
        f"ExceedsRemaining(9, {11 * WEI}, {10 * WEI})",
        lambda: chain.as_safe(escrow.functions.payoutOnce(9, grantee, 11 * WEI, ref)),
    )
    assert escrow.functions.paidRefs(ref).call() is False  # the refused payout used no ref
    refused(
        "AccessControlUnauthorizedAccount",
        lambda: chain.send(escrow.functions.payoutOnce(9, grantee, WEI, ref), 3),
    )
    receipt = chain.as_safe(escrow.functions.payoutOnce(9, grantee, 10 * WEI, ref))
    event = escrow.events.Payout().get_logs(from_block=receipt["block_number"])[0]["args"]
    assert (event["id"], event["to"], event["amount"], event["remaining"], event["ref"]) == (
        9,
        grantee,
        10 * WEI,
        0,
        ref,
    )
    refused(
        f"AlreadyPaid(0x{ref.hex()})",
        lambda: chain.as_safe(escrow.functions.payoutOnce(9, grantee, 1, ref)),
    )


def test_grant_escrow_roles_change_only_through_the_timelock(chain):
    escrow = chain.contract("GrantEscrow")
    payer = escrow.functions.PAYOUT_ROLE().call()
    newcomer = chain.accounts[8]
    refused(
        "AccessControlUnauthorizedAccount",
        lambda: chain.send(escrow.functions.grantRole(payer, newcomer), 0),  # not even the deployer
    )
    chain.as_timelock(escrow.functions.grantRole(payer, newcomer))  # the admin is the timelock
    assert escrow.functions.hasRole(payer, newcomer).call()
    _fund(chain, 4, WEI)
    chain.send(escrow.functions.payoutOnce(4, chain.accounts[8], WEI, _ref(0)), 8)
    assert escrow.functions.remaining(4).call() == 0


def test_grant_escrow_cannot_be_deployed_without_a_token(chain):
    timelock = chain.deployments["TimelockController"]
    with pytest.raises(Exception) as info:
        chain.deploy("GrantEscrow", "0x" + "00" * 20, timelock, timelock, chain.accounts[0])
    assert "ZeroAddress()" in client.revert_reason(getattr(info.value, "data", None))


def test_multicall_block_helpers_and_failing_call_index(chain):
    multicall = chain.contract("Multicall3")
    head = chain.head()
    assert multicall.functions.getCurrentBlockTimestamp().call(block_identifier=head) == (
        client.block_timestamp(head)
    )
    assert "0x" + multicall.functions.getBlockHash(head - 1).call().hex() == client.block_hash(
        head - 1
    )
    escrow = client.address_of("VotingEscrow")
    calls = [(escrow, bytes.fromhex("deadbeef")), (escrow, bytes.fromhex("cafebabe"))]
    with pytest.raises(client.ChainError, match=r"CallFailed\(0, 0x\)"):
        client.multicall(calls)
    assert client.multicall([], allow_failure=True) == []
