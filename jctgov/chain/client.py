"""The one door to the chain: Web3 from settings, artifacts, deployments, reads, writes.

Everything else in jctgov calls the named functions here and gets plain ints and strings back.
Errors are sorted in two: ``ChainUnavailable`` (transient: RPC down, timeout; retry later) and
``ChainError`` (permanent: revert, bad data, missing deployment). Transient HTTP errors are
first retried with backoff by web3.py's own ``ExceptionRetryConfiguration``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address
from web3 import Web3
from web3 import exceptions as w3x
from web3.contract import Contract
from web3.providers.rpc.utils import REQUEST_RETRY_ALLOWLIST, ExceptionRetryConfiguration

from jctgov.core.errors import ApplicationError, ServiceUnavailable

logger = logging.getLogger(__name__)

ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"
MULTICALL_BATCH = 500  # calls per aggregate3, like snapshot.js
ERC1271_MAGIC = bytes.fromhex("1626ba7e")
# Writes are not retried blindly: a resend after a timeout is the caller's reconciliation.
_RETRY_METHODS = [m for m in REQUEST_RETRY_ALLOWLIST if m != "eth_sendRawTransaction"]


class ChainError(ApplicationError):
    """Permanent chain failure: a revert, bad data, no deployment. Retrying will not help.

    ``revert`` is the decoded revert's name ("AlreadyPaid", "TimelockUnexpectedOperationState",
    the Safe's "GS013", ...) or "": callers branch on it, never on the message text."""

    status = 502
    code = "chain_error"

    @property
    def revert(self) -> str:
        return str(self.extra.get("revert", ""))


class ChainUnavailable(ServiceUnavailable):
    """Transient: the RPC is unreachable or timed out. Safe to retry later."""

    code = "chain_unavailable"


# --- Web3 and deployments ------------------------------------------------------------

_lock = threading.Lock()
_web3: dict[tuple[str, int], Web3] = {}
_deployments_override: dict[str, Any] | None = None
_deployments_cache: dict[str, Any] | None = None


def get_web3() -> Web3:
    """The process-wide Web3 for settings.CHAIN_RPC_URL (timeout + retry with backoff)."""
    key = (str(settings.CHAIN_RPC_URL), int(settings.CHAIN_RPC_TIMEOUT_S))
    w3 = _web3.get(key)
    if w3 is None:
        with _lock:
            w3 = _web3.get(key)
            if w3 is None:
                retry = ExceptionRetryConfiguration(
                    errors=(requests.ConnectionError, requests.Timeout, requests.HTTPError),
                    retries=3,
                    backoff_factor=0.1,
                    method_allowlist=_RETRY_METHODS,
                )
                provider = Web3.HTTPProvider(
                    key[0], request_kwargs={"timeout": key[1]}, exception_retry_configuration=retry
                )
                w3 = _web3[key] = Web3(provider)
    return w3


def reset_web3() -> None:
    """Forget cached Web3 instances and deployments (tests, settings changes)."""
    global _deployments_cache
    with _lock:
        _web3.clear()
        _deployments_cache = None
    _contract.cache_clear()


def deployments() -> dict[str, Any]:
    """Addresses by contract name, plus "chain_id" and "deploy_block" (from the deployments file)."""
    global _deployments_cache
    if _deployments_override is not None:
        return _deployments_override
    if _deployments_cache is None:
        path = Path(settings.CHAIN_DEPLOYMENTS_FILE)
        try:
            _deployments_cache = json.loads(path.read_text())
        except FileNotFoundError as exc:
            raise ChainError(
                f"No deployments file at {path}: run `python manage.py devchain`.",
                code="chain_not_deployed",
            ) from exc
    return _deployments_cache


def set_deployments(value: dict[str, Any] | None) -> None:
    """Use ``value`` instead of the deployments file (None: read the file again)."""
    global _deployments_override, _deployments_cache
    _deployments_override = dict(value) if value is not None else None
    _deployments_cache = None
    _contract.cache_clear()


def write_deployments(value: dict[str, Any], path: Path | None = None) -> Path:
    """Write the deployments file atomically (rename), so readers never see half a file."""
    path = Path(path or settings.CHAIN_DEPLOYMENTS_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)
    return path


# Safe v1.4.1, deployed unchanged from the artifacts safe-eth-py ships (deployments key ->
# artifact file). "Safe" is the stewards' proxy, which runs the singleton's code.
SAFE_ARTIFACTS = {
    "Safe": "Safe_V1_4_1",
    "SafeSingleton": "Safe_V1_4_1",
    "SafeProxyFactory": "ProxyFactory_V1_4_1",
    "SafeFallbackHandler": "CompatibilityFallbackHandler_V1_4_1",
}


@cache
def artifact(name: str) -> dict[str, Any]:
    """{"abi", "bytecode"} of a compiled contract (jctgov/chain/artifacts/<name>.json), or of a
    Safe v1.4.1 contract from safe-eth-py (``SAFE_ARTIFACTS``)."""
    if name in SAFE_ARTIFACTS:
        import safe_eth.eth.contracts as safe_contracts

        path = Path(safe_contracts.__file__).parent / "abis" / f"{SAFE_ARTIFACTS[name]}.json"
        data = json.loads(path.read_text())
        return {"abi": data["abi"], "bytecode": data["bytecode"]}
    return json.loads((ARTIFACTS_DIR / f"{name}.json").read_text())


def address_of(name: str) -> str:
    try:
        return to_checksum_address(deployments()[name])
    except KeyError as exc:
        raise ChainError(
            f"{name} is not in the deployments file.", code="chain_not_deployed"
        ) from exc


def contract(name: str, address: str | None = None) -> Contract:
    """A web3 Contract for a deployed contract by name (or the ABI ``name`` at ``address``)."""
    where = to_checksum_address(address) if address else address_of(name)
    return _contract(name, where, str(settings.CHAIN_RPC_URL), int(settings.CHAIN_RPC_TIMEOUT_S))


@cache
def _contract(name: str, address: str, url: str, timeout: int) -> Contract:
    return get_web3().eth.contract(address=address, abi=artifact(name)["abi"])  # type: ignore[call-overload]


# --- error translation ---------------------------------------------------------------


@cache
def _custom_errors() -> dict[bytes, tuple[str, list[str]]]:
    """4-byte selector -> (error name, arg types) for every custom error in our artifacts."""
    found: dict[bytes, tuple[str, list[str]]] = {}
    for path in ARTIFACTS_DIR.glob("*.json"):
        for item in json.loads(path.read_text())["abi"]:
            if item["type"] == "error":
                types = [i["type"] for i in item["inputs"]]
                signature = f"{item['name']}({','.join(types)})"
                found[function_signature_to_4byte_selector(signature)] = (item["name"], types)
    return found


def revert_reason(data: Any) -> str:
    """Human text for revert data: Error(string), Panic(uint256) or one of our custom errors."""
    raw = bytes.fromhex(data[2:]) if isinstance(data, str) and data.startswith("0x") else data
    if not isinstance(raw, bytes | bytearray) or len(raw) < 4:
        return str(data or "execution reverted")
    selector, body = bytes(raw[:4]), bytes(raw[4:])
    try:
        if selector == bytes.fromhex("08c379a0"):
            return str(abi_decode(["string"], body)[0])
        if selector == bytes.fromhex("4e487b71"):
            return f"panic 0x{abi_decode(['uint256'], body)[0]:02x}"
        if selector in _custom_errors():
            name, types = _custom_errors()[selector]
            args = abi_decode(types, body)
            shown = ", ".join(f"0x{a.hex()}" if isinstance(a, bytes) else str(a) for a in args)
            return f"{name}({shown})"
    except Exception:  # undecodable payload: show it raw
        pass
    return f"custom error 0x{raw.hex()}"


def revert_name(data: Any) -> str:
    """The name of a revert: the custom error's name, the string of Error(string) (the Safe's
    "GS0xx" codes), "Panic", or ""."""
    reason = revert_reason(data)
    if reason.startswith("custom error 0x") or reason == "execution reverted":
        return ""
    if reason.startswith("panic "):
        return "Panic"
    return reason.split("(", 1)[0]


@contextmanager
def _rpc(what: str) -> Iterator[None]:
    """Translate transport and JSON-RPC failures into ChainUnavailable / ChainError."""
    try:
        yield
    except (ChainError, ChainUnavailable):
        raise
    except (
        requests.ConnectionError,
        requests.Timeout,
        w3x.ProviderConnectionError,
        w3x.RequestTimedOut,
        w3x.TooManyRequests,
        ConnectionError,
        TimeoutError,
    ) as exc:
        raise ChainUnavailable(f"Chain RPC unavailable ({what}): {type(exc).__name__}") from exc
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else 0
        if status >= 500 or status == 429:
            raise ChainUnavailable(f"Chain RPC answered HTTP {status} ({what}).") from exc
        raise ChainError(f"Chain RPC answered HTTP {status} ({what}).") from exc
    except w3x.ContractLogicError as exc:
        reason = revert_reason(exc.data) if exc.data else (exc.message or "execution reverted")
        name = revert_name(exc.data) if exc.data else ""
        raise ChainError(
            f"Reverted ({what}): {reason}", code="chain_reverted", extra={"revert": name}
        ) from exc
    except (w3x.Web3Exception, ValueError) as exc:
        raise ChainError(f"Chain call failed ({what}): {exc}") from exc


# --- reads ---------------------------------------------------------------------------


def head_block() -> int:
    with _rpc("head block"):
        return int(get_web3().eth.block_number)


def head_timestamp() -> int:
    """Chain time now: the latest block's timestamp (dev chains can run ahead of the wall clock)."""
    with _rpc("latest block"):
        return int(get_web3().eth.get_block("latest")["timestamp"])


def chain_id() -> int:
    """The chain id the RPC reports (eth_chainId)."""
    with _rpc("chain id"):
        return int(get_web3().eth.chain_id)


def _block(number: int) -> Any:
    with _rpc(f"block {number}"):
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
    with _rpc("veJCT balance"):
        return int(
            contract("VotingEscrow").functions.balanceOf(to_checksum_address(address)).call()
        )


def vejct_balance_at(address: str, block: int) -> int:
    """Exact veJCT of ``address`` at ``block`` (VotingEscrow.balanceOfAtBlock with its timestamp)."""
    ts = block_timestamp(block)
    with _rpc("veJCT balance at block"):
        fn = contract("VotingEscrow").functions.balanceOfAtBlock
        return int(fn(to_checksum_address(address), int(block), ts).call())


def vejct_total_supply_at(block: int) -> int:
    """Exact total veJCT at ``block``."""
    ts = block_timestamp(block)
    with _rpc("veJCT total supply at block"):
        return int(contract("VotingEscrow").functions.totalSupplyAtBlock(int(block), ts).call())


_BALANCE_AT_BLOCK = function_signature_to_4byte_selector(
    "balanceOfAtBlock(address,uint256,uint256)"
)
_AGGREGATE3 = function_signature_to_4byte_selector("aggregate3((address,bool,bytes)[])")


def multicall(calls: list[tuple[str, bytes]], *, allow_failure: bool = False) -> list[bytes | None]:
    """Run (target, calldata) pairs through Multicall3.aggregate3 in batches of 500 eth_calls.

    Returns each call's return data (None for a failed call when ``allow_failure``)."""
    w3 = get_web3()
    target = address_of("Multicall3")
    results: list[bytes | None] = []
    for start in range(0, len(calls), MULTICALL_BATCH):
        batch = [(t, allow_failure, data) for t, data in calls[start : start + MULTICALL_BATCH]]
        payload = _AGGREGATE3 + abi_encode(["(address,bool,bytes)[]"], [batch])
        with _rpc("multicall"):
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


def parameter_value(key: str) -> int | None:
    """The ParameterStore value of ``key`` (name or hash), or None when never set on chain."""
    with _rpc("parameter"):
        is_set, value = (
            contract("ParameterStore").functions.tryGetParameter(parameter_key_hash(key)).call()
        )
    return int(value) if is_set else None


def token_balance(token_name: str, address: str) -> int:
    """ERC-20 balance in base units; ``token_name`` is a deployments key ("JCT", "MockStablecoin")."""
    with _rpc(f"{token_name} balance"):
        return int(contract(token_name).functions.balanceOf(to_checksum_address(address)).call())


def call_view(name: str, fn: str, *args: Any) -> Any:
    """A view function of a deployed contract, errors translated (ChainError/ChainUnavailable)."""
    with _rpc(f"{name}.{fn}"):
        return contract(name).functions[fn](*args).call()


def event_logs(
    name: str, event: str, *, argument_filters: dict[str, Any] | None = None
) -> list[Any]:
    """Logs of ``event`` emitted by deployed contract ``name`` since the deploy block."""
    ev = getattr(contract(name).events, event)()
    with _rpc(f"{name} {event} logs"):
        return list(
            ev.get_logs(
                from_block=int(deployments().get("deploy_block", 0)),
                argument_filters=argument_filters or {},
            )
        )


def has_code(address: str) -> bool:
    with _rpc("code"):
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
        with _rpc("EIP-1271"):
            raw = bytes(
                get_web3().eth.call(
                    {"to": to_checksum_address(address), "data": data},
                    block_identifier="latest" if block is None else block,
                )
            )
    except ChainError:  # reverted or not a 1271 wallet
        return False
    return len(raw) >= 4 and raw[:4] == ERC1271_MAGIC


# Event reads live in events.py, writes and dev helpers in tx.py (file size); both are part of
# this module's interface.
from jctgov.chain.events import (  # noqa: E402
    INDEXED_EVENTS,
    chain_events,
    contract_events,
    transaction_call,
)
from jctgov.chain.tx import (  # noqa: E402
    evm_increase_time,
    evm_mine,
    evm_revert,
    evm_snapshot,
    executor_account,
    send_transaction,
)

__all__ = [
    "ChainError",
    "ChainUnavailable",
    "INDEXED_EVENTS",
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
    "revert_reason",
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
