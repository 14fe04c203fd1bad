"""Writes and dev-chain helpers of the chain client (re-exported by ``jctgov.chain.client``).

Import them from ``jctgov.chain.client``; this module only keeps that file short.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from django.conf import settings
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from web3 import exceptions as w3x
from web3.types import RPCEndpoint, TxParams

from jctgov.chain.connection import get_web3
from jctgov.chain.errors import ChainError, ChainUnavailable, revert_reason, rpc_errors

logger = logging.getLogger("jctgov.chain.client")


# --- writes --------------------------------------------------------------------------


def executor_account() -> LocalAccount | None:
    """The relayer's account from JCTGOV_EXECUTOR_KEY (or keystore + password); None if unset.

    The relayer holds no role on any contract: it pays gas for Safe transactions that already
    carry the stewards' signatures and executes ready timelock operations (open to anyone)."""
    if settings.JCTGOV_EXECUTOR_KEY:
        return Account.from_key(settings.JCTGOV_EXECUTOR_KEY)
    if settings.JCTGOV_EXECUTOR_KEYSTORE:
        keystore = json.loads(Path(settings.JCTGOV_EXECUTOR_KEYSTORE).read_text())
        key = Account.decrypt(keystore, settings.JCTGOV_EXECUTOR_KEYSTORE_PASSWORD)
        return Account.from_key(key)
    return None


_process_locks: dict[str, threading.Lock] = {}
_process_locks_guard = threading.Lock()


@contextmanager
def serialized_sender(address: ChecksumAddress) -> Iterator[None]:
    """Hold the one send slot of ``address``: a thread lock in this process and the address's
    ``RelayerNonce`` row locked in the database (every worker process), from reading the nonce
    until the transaction is broadcast. Two sends from the relayer never share a nonce."""
    from django.db import transaction

    from jctgov.chain.models import RelayerNonce

    with _process_locks_guard:
        lock = _process_locks.setdefault(address, threading.Lock())
    with lock:
        RelayerNonce.objects.get_or_create(address=address)
        with transaction.atomic():
            row = RelayerNonce.objects.select_for_update().get(address=address)
            yield
            nonce = get_web3().eth.get_transaction_count(address, "pending")
            RelayerNonce.objects.filter(pk=row.pk).update(next_nonce=nonce)


def send_transaction(
    fn_call: Any,
    *,
    private_key: Any,
    value: int = 0,
    gas: int | None = None,
    timeout_s: float = 120.0,
    serialize: bool = False,
) -> dict[str, Any]:
    """Sign ``fn_call`` (a bound contract function) with the key, send, wait for the receipt.

    Returns {"tx_hash", "block_number", "status", "gas_used"}. A revert (at estimation or
    on chain) raises ChainError with the decoded reason (``extra["revert"]`` holds the custom
    error's name, e.g. "AlreadyPaid"); no receipt in time raises ChainUnavailable (the
    transaction may still land: reconcile with the chain before resending). ``serialize``
    (the relayer) takes the sender's send slot from nonce to broadcast (``serialized_sender``).
    """
    w3 = get_web3()
    account = (
        private_key if isinstance(private_key, LocalAccount) else Account.from_key(private_key)
    )
    what = getattr(fn_call, "fn_name", "transaction")
    slot = serialized_sender(account.address) if serialize else nullcontext()
    with rpc_errors(what):
        with slot:
            params: dict[str, Any] = {
                "from": account.address,
                "nonce": w3.eth.get_transaction_count(account.address, "pending"),
                "chainId": w3.eth.chain_id,
                "value": value,
            }
            if gas is None:
                # Estimate against the pending block: the transaction lands in a NEW block, and
                # VotingEscrow writes more (a new history point) than in a block it touched.
                probe = fn_call.build_transaction({**params, "gas": 30_000_000})
                estimate_input: TxParams = {
                    "from": probe["from"],
                    "to": probe["to"],
                    "data": probe["data"],
                    "value": probe["value"],
                }
                gas = int(w3.eth.estimate_gas(estimate_input, "pending") * 1.2) + 20_000
            params["gas"] = gas
            tx = fn_call.build_transaction(params)
            signed = account.sign_transaction(tx)
            tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
        try:
            receipt = w3.eth.wait_for_transaction_receipt(
                tx_hash, timeout=timeout_s, poll_latency=0.05
            )
        except w3x.TimeExhausted as exc:
            raise ChainUnavailable(
                f"No receipt for {what} 0x{tx_hash.hex()} in {timeout_s}s."
            ) from exc
    result = {
        "tx_hash": "0x" + bytes(tx_hash).hex(),
        "block_number": int(receipt["blockNumber"]),
        "status": int(receipt["status"]),
        "gas_used": int(receipt["gasUsed"]),
    }
    if result["status"] != 1:
        reason = _replay_reason(tx, receipt)
        raise ChainError(
            f"Reverted ({what}): {reason}",
            code="chain_reverted",
            extra={"tx_hash": result["tx_hash"], "revert": reason.split("(", 1)[0]},
        )
    logger.debug("sent %s from %s: %s", what, account.address, result["tx_hash"])
    return result


def _replay_reason(tx: dict[str, Any], receipt: Any) -> str:
    """Re-run a mined, reverted transaction as a call at its block to recover the reason."""
    call = {k: tx[k] for k in ("from", "to", "data", "value") if k in tx}
    try:
        get_web3().eth.call(call, block_identifier=receipt["blockNumber"] - 1)  # type: ignore[arg-type]
    except w3x.ContractLogicError as exc:
        return revert_reason(exc.data) if exc.data else str(exc.message)
    except Exception as exc:  # noqa: BLE001 - best effort only
        return f"execution reverted ({type(exc).__name__})"
    return "execution reverted"


# --- dev-chain helpers (Anvil / Hardhat RPC methods) ---------------------------------


def _dev_rpc(method: str, params: list[Any]) -> Any:
    with rpc_errors(method):
        answer = get_web3().provider.make_request(RPCEndpoint(method), params)
    if "error" in answer:
        raise ChainError(f"{method} failed: {answer['error']}")
    return answer.get("result")


def evm_increase_time(seconds: int) -> None:
    _dev_rpc("evm_increaseTime", [int(seconds)])


def evm_mine(n: int = 1) -> None:
    if n == 1:
        _dev_rpc("evm_mine", [])
    else:
        _dev_rpc("anvil_mine", [hex(n)])


def evm_snapshot() -> str:
    return str(_dev_rpc("evm_snapshot", []))


def evm_revert(snapshot_id: str) -> bool:
    return bool(_dev_rpc("evm_revert", [snapshot_id]))
