"""VoteDelegation on Anvil: delegate, re-delegate, remove, exact history at any past block."""

from __future__ import annotations

import pytest
from eth_account import Account

from jctgov.chain import client

ZERO = "0x" + "00" * 20


def refused(reason: str, fn) -> None:
    with pytest.raises(client.ChainError) as info:
        fn()
    assert reason in str(info.value)


def test_delegation_history_is_exact_at_every_past_block(chain):
    vd = chain.contract("VoteDelegation")
    holder, a, b = chain.accounts[1], chain.accounts[2], chain.accounts[3]
    before = chain.head()
    first = chain.delegate(1, a)["block_number"]
    chain.mine(3)
    second = chain.delegate(1, b)["block_number"]
    chain.mine(2)
    removed = chain.delegate(1, None)["block_number"]
    chain.mine()
    at = vd.functions.delegateOfAt
    expected = {before: ZERO, first - 1: ZERO, first: a, first + 2: a, second - 1: a}
    expected |= {second: b, removed - 1: b, removed: ZERO, removed + 1: ZERO}
    for block, delegate in expected.items():
        assert at(holder, block).call() == delegate, block
    assert vd.functions.delegateOf(holder).call() == ZERO
    assert vd.functions.checkpointCount(holder).call() == 3
    logs = vd.events.DelegateChanged().get_logs(from_block=first)
    assert [(e.args.fromDelegate, e.args.toDelegate) for e in logs] == [
        (ZERO, a),
        (a, b),
        (b, ZERO),
    ]
    assert {e.args.delegator for e in logs} == {holder}


def test_bad_delegations_revert_with_their_custom_errors(chain):
    vd = chain.contract("VoteDelegation")
    me = chain.accounts[4]
    refused("SelfDelegation", lambda: chain.delegate(4, me))
    refused("ZeroAddressDelegate", lambda: chain.delegate(4, ZERO))
    refused("NotDelegated", lambda: chain.delegate(4, None))
    chain.delegate(4, chain.accounts[5])
    refused("AlreadyDelegated", lambda: chain.delegate(4, chain.accounts[5]))
    assert "FutureBlock" in chain.call_reverts(vd.functions.delegateOfAt(me, chain.head() + 5))


def test_two_changes_in_one_block_keep_the_last(chain):
    vd = chain.contract("VoteDelegation")
    w3 = chain.w3
    holder = Account.from_key(chain.keys[6])
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        nonce = w3.eth.get_transaction_count(holder.address)
        for i, to in enumerate((chain.accounts[7], chain.accounts[8])):
            tx = vd.functions.delegate(to).build_transaction(
                {"from": holder.address, "nonce": nonce + i, "gas": 200_000}
            )
            w3.eth.send_raw_transaction(holder.sign_transaction(tx).raw_transaction)
        w3.provider.make_request("evm_mine", [])
    finally:
        w3.provider.make_request("evm_setAutomine", [True])
    block = chain.head()
    assert len(w3.eth.get_block(block)["transactions"]) == 2
    assert vd.functions.delegateOfAt(holder.address, block).call() == chain.accounts[8]
    assert vd.functions.delegateOfAt(holder.address, block - 1).call() == ZERO
    assert vd.functions.checkpointCount(holder.address).call() == 1


def test_delegation_is_one_level(chain):
    """A delegate's own delegation moves only their own power: the contract stores each
    holder's direct delegate, and nothing follows chains."""
    vd = chain.contract("VoteDelegation")
    chain.delegate(1, chain.accounts[2])
    chain.delegate(2, chain.accounts[3])
    assert vd.functions.delegateOf(chain.accounts[1]).call() == chain.accounts[2]
    assert vd.functions.delegateOf(chain.accounts[2]).call() == chain.accounts[3]
