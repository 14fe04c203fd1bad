"""Reads for the lock page: one holder's JCT, allowance, veJCT lock and delegate, at one block.

Part of the one door to the chain (``jctgov.chain``): plain ints and strings out, the same
``ChainUnavailable`` / ``ChainError`` sorting as ``client``. Every value is read at the same
block number, so the page never mixes a lock from one block with a balance from the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from jctgov.chain import client, delegation

WEEK_S = 7 * 24 * 3600  # VotingEscrow.WEEK
MAX_LOCK_S = 4 * 365 * 24 * 3600  # VotingEscrow.MAXTIME
ZERO_ADDRESS = "0x" + "0" * 40
# Contracts whose calls the lock page sends from the user's wallet.
WALLET_CONTRACTS = ("JCT", "VotingEscrow", "VoteDelegation")


@dataclass(frozen=True)
class HolderState:
    """A holder's position at ``block`` (chain time ``timestamp``); amounts in wei."""

    address: str
    block: int
    timestamp: int
    jct_balance: int
    allowance: int  # JCT the VotingEscrow may pull from the holder
    lock_amount: int
    lock_end: int  # unix seconds, a whole week; 0 without a lock
    vejct: int
    delegate: str | None  # None: no delegate, or no delegation contract deployed


def delegation_deployed() -> bool:
    return delegation.deployed() is not None


def holder_state(address: str) -> HolderState:
    """Read everything the lock page shows for ``address``, all at the head block."""
    holder = to_checksum_address(address)
    with client.rpc_errors("head block"):
        head = client.get_web3().eth.get_block("latest")
    block = int(head["number"])
    escrow = client.contract("VotingEscrow")
    jct = client.contract("JCT")
    with client.rpc_errors("holder state"):
        balance = jct.functions.balanceOf(holder).call(block_identifier=block)
        allowance = jct.functions.allowance(holder, escrow.address).call(block_identifier=block)
        amount, end = escrow.functions.locked(holder).call(block_identifier=block)
        vejct = escrow.functions.balanceOf(holder).call(block_identifier=block)
    delegate = delegation.delegate_of_at(holder, block) or None
    return HolderState(
        address=holder,
        block=block,
        timestamp=int(head["timestamp"]),
        jct_balance=int(balance),
        allowance=int(allowance),
        lock_amount=int(amount),
        lock_end=int(end),
        vejct=int(vejct),
        delegate=delegate,
    )


@cache
def _selectors(name: str) -> tuple[dict[str, str], dict[str, Any]]:
    """(function name -> 4-byte selector, error selector -> {name, inputs}) of an artifact."""
    functions: dict[str, str] = {}
    errors: dict[str, Any] = {}
    for item in client.artifact(name)["abi"]:
        if item["type"] not in ("function", "error"):
            continue
        types = [i["type"] for i in item["inputs"]]
        selector = (
            "0x" + function_signature_to_4byte_selector(f"{item['name']}({','.join(types)})").hex()
        )
        if item["type"] == "function":
            functions[item["name"]] = selector
        else:
            errors[selector] = {"name": item["name"], "inputs": types}
    return functions, errors


def wallet_abi_summary() -> dict[str, Any]:
    """JSON for the page's script: deployed addresses, 4-byte selectors of the functions it
    calls, and every custom error (name, argument types) it may have to decode. Browsers have
    no keccak, so the selectors are computed here from the compiled artifacts."""
    contracts: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    deployed = client.deployments()
    for name in WALLET_CONTRACTS:
        if name not in deployed:
            continue
        functions, its_errors = _selectors(name)
        errors.update(its_errors)
        contracts[name] = {"address": client.address_of(name), "functions": functions}
    return {"contracts": contracts, "errors": errors}
