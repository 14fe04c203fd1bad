"""VoteDelegation reads: who delegated to whom, exact at a block (part of the door to the chain).

``delegateOfAt(holder, block)`` is exact at any past block (per-block checkpoints in the
contract), so snapshots and ``verify_tally`` need no archive node. Batched reads go through
Multicall3 in the same batches as ``balanceOfAtBlock``: one holder = two calls side by side.
A deployments file without "VoteDelegation" (made before the contract existed) means nobody
has delegated: every read answers "no delegate".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from jctgov.chain import client
from jctgov.chain.client import rpc_errors
from jctgov.chain.models import Delegation, PowerSnapshot, PowerSnapshotEntry

NAME = "VoteDelegation"
ZERO = "0x" + "00" * 20
LOG_CHUNK_BLOCKS = 10_000

_BALANCE_AT_BLOCK = function_signature_to_4byte_selector(
    "balanceOfAtBlock(address,uint256,uint256)"
)
_DELEGATE_OF_AT = function_signature_to_4byte_selector("delegateOfAt(address,uint256)")


def deployed() -> str | None:
    """The VoteDelegation address, or None when this deployment has none."""
    address = client.deployments().get(NAME)
    return to_checksum_address(address) if address else None


def _address(raw: bytes | None) -> str:
    """A returned ABI address word as a checksummed address, "" for the zero address."""
    if not raw:
        return ""
    value = to_checksum_address(raw[-20:])
    return "" if value == ZERO else value


def delegate_of(holder: str) -> str:
    """``holder``'s current delegate ("" = none)."""
    if deployed() is None:
        return ""
    with rpc_errors("delegate"):
        value = client.contract(NAME).functions.delegateOf(to_checksum_address(holder)).call()
    return "" if value == ZERO else to_checksum_address(value)


def delegate_of_at(holder: str, block: int) -> str:
    """``holder``'s delegate at the end of ``block`` ("" = none); exact for any past block."""
    if deployed() is None:
        return ""
    with rpc_errors("delegate at block"):
        fn = client.contract(NAME).functions.delegateOfAt
        value = fn(to_checksum_address(holder), int(block)).call()
    return "" if value == ZERO else to_checksum_address(value)


def powers_and_delegates_at(addresses: Iterable[str], block: int) -> dict[str, tuple[int, str]]:
    """{checksum address: (veJCT, delegate or "")} at ``block`` for many holders, exact.

    Each holder's ``balanceOfAtBlock`` and ``delegateOfAt`` are neighbours in the same
    Multicall3 batch (``client.multicall``), so delegation costs no extra round trip per batch.
    """
    holders = [to_checksum_address(a) for a in addresses]
    if not holders:
        return {}
    ts = client.block_timestamp(block)
    escrow, delegation = client.address_of("VotingEscrow"), deployed()
    calls: list[tuple[str, bytes]] = []
    for h in holders:
        args = abi_encode(["address", "uint256", "uint256"], [h, block, ts])
        calls.append((escrow, _BALANCE_AT_BLOCK + args))
        if delegation:
            calls.append(
                (delegation, _DELEGATE_OF_AT + abi_encode(["address", "uint256"], [h, block]))
            )
    values = client.multicall(calls)
    step = 2 if delegation else 1
    out: dict[str, tuple[int, str]] = {}
    for i, h in enumerate(holders):
        power = int.from_bytes(values[i * step] or b"", "big")
        out[h] = (power, _address(values[i * step + 1]) if delegation else "")
    return out


def delegations_at(addresses: Iterable[str], block: int) -> dict[str, str]:
    """{checksum address: delegate or ""} at ``block`` (Multicall3 batches)."""
    holders = [to_checksum_address(a) for a in addresses]
    delegation = deployed()
    if not holders or delegation is None:
        return dict.fromkeys(holders, "")
    calls = [
        (delegation, _DELEGATE_OF_AT + abi_encode(["address", "uint256"], [h, int(block)]))
        for h in holders
    ]
    return {h: _address(v) for h, v in zip(holders, client.multicall(calls), strict=True)}


def delegators_ever(to_block: int) -> set[str]:
    """Every address that delegated at or before ``to_block``, from the chain's
    DelegateChanged logs alone (for audits that trust no database)."""
    if deployed() is None:
        return set()
    event = client.contract(NAME).events.DelegateChanged()
    start = int(client.deployments().get("deploy_block", 0))
    found: set[str] = set()
    for first in range(start, int(to_block) + 1, LOG_CHUNK_BLOCKS):
        last = min(first + LOG_CHUNK_BLOCKS - 1, int(to_block))
        with rpc_errors("delegation logs"):
            logs: list[Any] = event.get_logs(from_block=first, to_block=last)
        found.update(to_checksum_address(log["args"]["delegator"]) for log in logs)
    return found


def delegators_at(delegate: str, block: int) -> list[str]:
    """Who had delegated to ``delegate`` at ``block`` (for "your delegate voted" notices).

    From the stored snapshot of ``block`` when there is one (a proposal's snapshot block:
    the delegators with veJCT there, whose power the delegate's vote carries); otherwise
    read from the chain (``delegateOfAt`` of every address that ever delegated, batched)."""
    snapshot = PowerSnapshot.objects.filter(block_number=block).first()
    if snapshot is not None:
        return list(
            PowerSnapshotEntry.objects.filter(snapshot=snapshot, delegate=delegate)
            .order_by("address")
            .values_list("address", flat=True)
        )
    everyone = Delegation.objects.values_list("delegator", flat=True)  # ever delegated (indexed)
    at_block = delegations_at(list(everyone), block)
    return sorted(a for a, d in at_block.items() if d == delegate)
