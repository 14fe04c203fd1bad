"""Create many veJCT holders on a dev chain fast (bench/snapshot.py, bench/stack.py).

Needs a configured Django (the chain client reads the deployments file) and an Anvil, whose
dev-only RPC methods (impersonation, manual mining, balances) make thousands of locks cheap:
each phase (mint, approve, createLock) is sent as JSON-RPC batches and mined in one go.
"""

from __future__ import annotations

import time

import requests

from jctgov.chain import client
from jctgov.chain.devkeys import dev_address

RPC_BATCH = 250


def rpc_batch(url: str, calls: list[tuple[str, list]]) -> list[dict]:
    """Send JSON-RPC requests in HTTP batches; fail loudly on any error answer."""
    answers: list[dict] = []
    session = requests.Session()
    for start in range(0, len(calls), RPC_BATCH):
        chunk = calls[start : start + RPC_BATCH]
        body = [
            {"jsonrpc": "2.0", "id": start + i, "method": m, "params": p}
            for i, (m, p) in enumerate(chunk)
        ]
        reply = sorted(session.post(url, json=body, timeout=120).json(), key=lambda a: a["id"])
        errors = [a["error"] for a in reply if "error" in a]
        if errors:
            raise RuntimeError(f"{len(errors)} RPC errors, first: {errors[0]}")
        answers.extend(reply)
    return answers


def _tx(sender: str, data: str, to: str, nonce: int, gas: int) -> tuple[str, list]:
    # Explicit nonces: Anvil may handle the requests of one HTTP batch concurrently.
    return (
        "eth_sendTransaction",
        [{"from": sender, "to": to, "data": data, "gas": hex(gas), "nonce": hex(nonce)}],
    )


PHASE_BLOCK = 2_000  # transactions per mined block: 10,000 in one block stalls a busy Anvil


def _mine_phase(url: str, phase: list[tuple[str, list]]) -> None:
    for start in range(0, len(phase), PHASE_BLOCK):
        _mine_block(url, phase[start : start + PHASE_BLOCK])


def _mine_block(url: str, phase: list[tuple[str, list]]) -> None:
    hashes = [a["result"] for a in rpc_batch(url, phase)]
    pending, deadline = list(hashes), time.monotonic() + 120
    while pending and time.monotonic() < deadline:
        rpc_batch(url, [("evm_mine", [])])
        receipts = rpc_batch(url, [("eth_getTransactionReceipt", [h]) for h in pending])
        if any(r["result"] and r["result"]["status"] != "0x1" for r in receipts):
            raise RuntimeError("a holder-creation transaction reverted")
        pending = [h for h, r in zip(pending, receipts, strict=True) if r["result"] is None]
    if pending:
        raise RuntimeError(f"{len(pending)} holder-creation transactions were never mined")


def create_locks(url: str, locks: list[tuple[str, int, int]]) -> None:
    """Give every (holder, amount wei, unlock time) a fresh VotingEscrow lock.

    The JCT owner (dev account #0) mints ``amount`` to the holder, who approves and locks it;
    holders are impersonated and get 1 ETH for gas. Holders must be fresh addresses (nonce 0,
    no lock).
    """
    jct, escrow = client.contract("JCT"), client.contract("VotingEscrow")
    owner = dev_address(0)
    rpc_batch(
        url,
        [
            ("anvil_autoImpersonateAccount", [True]),
            ("evm_setAutomine", [False]),
            ("evm_setBlockGasLimit", [hex(4_000_000_000)]),
        ],
    )
    try:
        rpc_batch(url, [("anvil_setBalance", [h, hex(10**18)]) for h, _, _ in locks])
        owner_nonce = client.get_web3().eth.get_transaction_count(owner, "pending")
        mints, approvals, lockings = [], [], []
        for i, (holder, amount, unlock) in enumerate(locks):
            mints.append(
                _tx(
                    owner,
                    jct.encode_abi("mint", [holder, amount]),
                    jct.address,
                    owner_nonce + i,
                    120_000,
                )
            )
            approvals.append(
                _tx(
                    holder,
                    jct.encode_abi("approve", [escrow.address, amount]),
                    jct.address,
                    0,
                    80_000,
                )
            )
            lockings.append(
                _tx(
                    holder,
                    escrow.encode_abi("createLock", [amount, unlock]),
                    escrow.address,
                    1,
                    400_000,
                )
            )
        for phase in (mints, approvals, lockings):
            _mine_phase(url, phase)
    finally:
        rpc_batch(url, [("evm_setAutomine", [True]), ("anvil_autoImpersonateAccount", [False])])


def create_delegations(url: str, delegations: list[tuple[str, str]]) -> None:
    """Every (holder, delegate): the holder calls VoteDelegation.delegate(delegate).

    Holders are impersonated; each must have sent exactly two transactions so far (approve
    and createLock by ``create_locks``), so the delegation is their nonce 2.
    """
    delegation = client.contract("VoteDelegation")
    rpc_batch(url, [("anvil_autoImpersonateAccount", [True]), ("evm_setAutomine", [False])])
    try:
        _mine_phase(
            url,
            [
                _tx(h, delegation.encode_abi("delegate", [d]), delegation.address, 2, 120_000)
                for h, d in delegations
            ],
        )
    finally:
        rpc_batch(url, [("evm_setAutomine", [True]), ("anvil_autoImpersonateAccount", [False])])
