"""The one door to the chain: Web3 from settings, artifacts, deployments, reads, writes.

Everything else in jctgov calls the named functions here and gets plain ints and strings back.
Errors are sorted in two: ``ChainUnavailable`` (transient: RPC down, timeout; retry later) and
``ChainError`` (permanent: revert, bad data, missing deployment). Transient HTTP errors are
first retried with backoff by web3.py's own ``ExceptionRetryConfiguration``.

This module holds the reads; the connection (Web3, deployments, artifacts) lives in
``connection.py``, error translation in ``errors.py``, event reads in ``events.py`` and writes in
``tx.py``. All of them are this module's interface: import from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address
from web3 import exceptions as w3x

from jctgov.chain.connection import (
    SAFE_ARTIFACTS,
    address_of,
    artifact,
    contract,
    deployments,
    get_web3,
    reset_web3,
    set_deployments,
    write_deployments,
)
from jctgov.chain.errors import (
    ARTIFACTS_DIR,
    ChainError,
    ChainUnavailable,
    revert_name,
    revert_reason,
    rpc_errors,
)
from jctgov.chain.events import INDEXED_EVENTS, chain_events, contract_events, transaction_call
from jctgov.chain.tx import (
    evm_increase_time,
    evm_mine,
    evm_revert,
    evm_snapshot,
    executor_account,
    send_transaction,
)

MULTICALL_BATCH = 500  # calls per aggregate3, like snapshot.js
ERC1271_MAGIC = bytes.fromhex("1626ba7e")


# --- reads ---------------------------------------------------------------------------


def head_block() -> int:
    with rpc_errors("head block"):
        return int(get_web3().eth.block_number)


def head_timestamp() -> int:
    """Chain time now: the latest block's timestamp (dev chains can run ahead of the wall clock)."""
    with rpc_errors("latest block"):
        return int(get_web3().eth.get_block("latest")["timestamp"])


def chain_id() -> int:
    """The chain id the RPC reports (eth_chainId)."""
    with rpc_errors("chain id"):
        return int(get_web3().eth.chain_id)


def _block(number: int) -> Any:
    with rpc_errors(f"block {number}"):
        try:
            return get_web3().eth.get_block(int(number))
        except w3x.BlockNotFound as exc:
            raise ChainError(f"Block {number} does not exist yet.", code="block_not_found") from exc


def block_hash(number: int) -> str:
    """0x-prefixed lower-case hash of block ``number``."""
    return "0x" + bytes(_block(number)["hash"]).hex()


def block_timestamp(number: int) -> int:
    return int(_block(number)["timestamp"])


def vejct_balance(address: str) -> int:
    """veJCT of ``address`` now (latest block)."""
    with rpc_errors("veJCT balance"):
        return int(
            contract("VotingEscrow").functions.balanceOf(to_checksum_address(address)).call()
        )


def vejct_balance_at(address: str, block: int) -> int:
    """Exact veJCT of ``address`` at ``block`` (VotingEscrow.balanceOfAtBlock with its timestamp)."""
    ts = block_timestamp(block)
    with rpc_errors("veJCT balance at block"):
        fn = contract("VotingEscrow").functions.balanceOfAtBlock
        return int(fn(to_checksum_address(address), int(block), ts).call())


def vejct_total_supply_at(block: int) -> int:
    """Exact total veJCT at ``block``."""
    ts = block_timestamp(block)
    with rpc_errors("veJCT total supply at block"):
        return int(contract("VotingEscrow").functions.totalSupplyAtBlock(int(block), ts).call())


_BALANCE_AT_BLOCK = function_signature_to_4byte_selector(
    "balanceOfAtBlock(address,uint256,uint256)"
)
_AGGREGATE3 = function_signature_to_4byte_selector("aggregate3((address,bool,bytes)[])")


def multicall(
    calls: Sequence[tuple[str, bytes]], *, allow_failure: bool = False
) -> list[bytes | None]:
    """Run (target, calldata) pairs through Multicall3.aggregate3 in batches of 500 eth_calls.

    Returns each call's return data (None for a failed call when ``allow_failure``)."""
    w3 = get_web3()
    target = address_of("Multicall3")
    results: list[bytes | None] = []
    for start in range(0, len(calls), MULTICALL_BATCH):
        batch = [(t, allow_failure, data) for t, data in calls[start : start + MULTICALL_BATCH]]
        payload = _AGGREGATE3 + abi_encode(["(address,bool,bytes)[]"], [batch])
        with rpc_errors("multicall"):
            raw = w3.eth.call({"to": target, "data": payload})
        for ok, data in abi_decode(["(bool,bytes)[]"], bytes(raw))[0]:
            results.append(bytes(data) if ok else None)
    return results


def vejct_balances_at(addresses: Iterable[str], block: int) -> dict[str, int]:
    """Exact veJCT at ``block`` for many holders: {checksum address: power}, Multicall3 batches."""
    holders = [to_checksum_address(a) for a in addresses]
    if not holders:
        return {}
    ts = block_timestamp(block)
    escrow = address_of("VotingEscrow")
    calls = [
        (escrow, _BALANCE_AT_BLOCK + abi_encode(["address", "uint256", "uint256"], [h, block, ts]))
        for h in holders
    ]
    values = multicall(calls)
    return {h: int.from_bytes(v or b"", "big") for h, v in zip(holders, values, strict=True)}


def parameter_key_hash(key: str) -> bytes:
    """keccak256 of a parameter name; a 0x-prefixed 32-byte hex is taken as the hash itself."""
    if key.startswith("0x") and len(key) == 66:
        return bytes.fromhex(key[2:])
    return keccak(text=key)


def parameter_value(key: str, block: int | None = None) -> int | None:
    """The ParameterStore value of ``key`` (name or hash) at ``block`` (default: latest), or
    None when never set on chain by then."""
    with rpc_errors("parameter"):
        is_set, value = (
            contract("ParameterStore")
            .functions.tryGetParameter(parameter_key_hash(key))
            .call(block_identifier="latest" if block is None else block)
        )
    return int(value) if is_set else None


def token_balance(token_name: str, address: str) -> int:
    """ERC-20 balance in base units; ``token_name`` is a deployments key ("JCT", "MockStablecoin")."""
    with rpc_errors(f"{token_name} balance"):
        return int(contract(token_name).functions.balanceOf(to_checksum_address(address)).call())


def call_view(name: str, fn: str, *args: Any) -> Any:
    """A view function of a deployed contract, errors translated (ChainError/ChainUnavailable)."""
    with rpc_errors(f"{name}.{fn}"):
        return contract(name).functions[fn](*args).call()


def event_logs(
    name: str, event: str, *, argument_filters: dict[str, Any] | None = None
) -> list[Any]:
    """Logs of ``event`` emitted by deployed contract ``name`` since the deploy block."""
    ev = getattr(contract(name).events, event)()
    with rpc_errors(f"{name} {event} logs"):
        return list(
            ev.get_logs(
                from_block=int(deployments().get("deploy_block", 0)),
                argument_filters=argument_filters or {},
            )
        )


def has_code(address: str) -> bool:
    with rpc_errors("code"):
        return len(get_web3().eth.get_code(to_checksum_address(address))) > 0


def is_valid_erc1271_signature(
    address: str, hash32: bytes, signature: bytes | str, *, block: int | None = None
) -> bool:
    """EIP-1271: does the contract at ``address`` accept ``signature`` over ``hash32``, at
    ``block`` (default: the latest)? False for an account without code or without the method."""
    if isinstance(signature, str):
        signature = bytes.fromhex(signature.removeprefix("0x"))
    data = function_signature_to_4byte_selector("isValidSignature(bytes32,bytes)") + abi_encode(
        ["bytes32", "bytes"], [bytes(hash32), signature]
    )
    try:
        with rpc_errors("EIP-1271"):
            raw = bytes(
                get_web3().eth.call(
                    {"to": to_checksum_address(address), "data": data},
                    block_identifier="latest" if block is None else block,
                )
            )
    except ChainError:  # reverted or not a 1271 wallet
        return False
    return len(raw) >= 4 and raw[:4] == ERC1271_MAGIC


__all__ = [
    "ChainError",
    "ChainUnavailable",
    "ARTIFACTS_DIR",
    "INDEXED_EVENTS",
    "SAFE_ARTIFACTS",
    "address_of",
    "artifact",
    "block_hash",
    "block_timestamp",
    "call_view",
    "chain_events",
    "event_logs",
    "contract",
    "contract_events",
    "deployments",
    "evm_increase_time",
    "evm_mine",
    "evm_revert",
    "evm_snapshot",
    "executor_account",
    "get_web3",
    "has_code",
    "head_block",
    "head_timestamp",
    "is_valid_erc1271_signature",
    "multicall",
    "parameter_key_hash",
    "parameter_value",
    "reset_web3",
    "revert_name",
    "revert_reason",
    "rpc_errors",
    "send_transaction",
    "set_deployments",
    "token_balance",
    "transaction_call",
    "vejct_balance",
    "vejct_balance_at",
    "vejct_balances_at",
    "vejct_total_supply_at",
    "write_deployments",
]
