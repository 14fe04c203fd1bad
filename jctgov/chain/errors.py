"""The chain package's errors: what a failed RPC or a revert becomes for the rest of jctgov.

Two kinds: ``ChainUnavailable`` (transient: RPC down, timeout; retry later) and ``ChainError``
(permanent: revert, bad data, missing deployment). ``rpc_errors`` sorts web3.py's and requests'
exceptions into them and decodes revert data against our artifacts' custom errors.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import requests
from eth_abi import decode as abi_decode
from eth_utils import function_signature_to_4byte_selector
from web3 import exceptions as w3x

from jctgov.core.errors import ApplicationError, ServiceUnavailable

ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"


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


# Celery options of a task that is safe to re-run and meets the chain: acknowledged late, and
# retried with backoff on transient errors only (a permanent ChainError is the task's result).
RETRY_TRANSIENT: dict[str, Any] = {
    "acks_late": True,
    "autoretry_for": (ChainUnavailable,),
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 8,
}


@cache
def custom_errors() -> dict[bytes, tuple[str, list[str]]]:
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
        if selector in custom_errors():
            name, types = custom_errors()[selector]
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
def rpc_errors(what: str) -> Iterator[None]:
    """Translate transport and JSON-RPC failures into ChainUnavailable / ChainError.

    Every chain read and write of this package runs inside it; ``what`` names the call in the
    error message ("veJCT balance", "timelock delay")."""
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
