"""Web3 from settings, the deployments file, artifacts and contract objects.

Part of ``jctgov.chain.client``'s interface (re-exported there); import from there.
"""

from __future__ import annotations

import json
import threading
from functools import cache
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from eth_typing import ChecksumAddress
from eth_utils import to_checksum_address
from web3 import Web3
from web3.contract import Contract
from web3.providers.rpc.utils import REQUEST_RETRY_ALLOWLIST, ExceptionRetryConfiguration

from jctgov.chain.errors import ARTIFACTS_DIR, ChainError

# Writes are not retried blindly: a resend after a timeout is the caller's reconciliation.
_RETRY_METHODS = [m for m in REQUEST_RETRY_ALLOWLIST if m != "eth_sendRawTransaction"]

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


def address_of(name: str) -> ChecksumAddress:
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
def _contract(name: str, address: ChecksumAddress, url: str, timeout: int) -> Contract:
    return get_web3().eth.contract(address=address, abi=artifact(name)["abi"])
