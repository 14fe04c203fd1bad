"""The stewards' Safe (v1.4.1): reads, SafeTx building and hashing, signature checks, relaying.

Everything Safe-specific goes through safe-eth-py (``SafeTx`` for the EIP-712 typed data and
hash, ``SafeSignature`` for parsing/recovering and for the owner-sorted signature bytes that
``execTransaction`` expects); this module only adapts it to the chain client (one door to the
chain) and returns plain Python values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_typing import ChecksumAddress
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from hexbytes import HexBytes
from safe_eth.safe.safe_signature import SafeSignature, SafeSignatureEOA, SafeSignatureType
from safe_eth.safe.safe_tx import SafeTx

from jctgov.chain import client
from jctgov.chain.client import ChainError, rpc_errors

SAFE_VERSION = "1.4.1"
ZERO_ADDRESS = "0x" + "00" * 20


@dataclass(frozen=True)
class SafeState:
    """The Safe's owners (checksummed, on-chain order), threshold and next nonce."""

    address: str
    owners: tuple[str, ...]
    threshold: int
    nonce: int


def safe_address() -> ChecksumAddress:
    return client.address_of("Safe")


_GET_OWNERS = function_signature_to_4byte_selector("getOwners()")
_GET_THRESHOLD = function_signature_to_4byte_selector("getThreshold()")
_NONCE = function_signature_to_4byte_selector("nonce()")


def safe_state() -> SafeState:
    """Owners, threshold and nonce of the stewards' Safe, read now from the chain in one
    Multicall3 round trip (the same block for all three)."""
    address = safe_address()
    owners_raw, threshold_raw, nonce_raw = client.multicall(
        [(address, _GET_OWNERS), (address, _GET_THRESHOLD), (address, _NONCE)]
    )
    owners = tuple(to_checksum_address(o) for o in abi_decode(["address[]"], owners_raw or b"")[0])
    threshold = int.from_bytes(threshold_raw or b"", "big")
    nonce = int.from_bytes(nonce_raw or b"", "big")
    return SafeState(address, owners, threshold, nonce)


def safe_nonce() -> int:
    return safe_state().nonce


def build_safe_tx(*, to: str, data: bytes | str, nonce: int, value: int = 0) -> SafeTx:
    """A plain CALL SafeTx with no gas refund (the relayer pays gas), for the stewards' Safe."""
    raw = bytes(HexBytes(data))
    return SafeTx(
        None,  # type: ignore[arg-type]  # hashing needs no client: version, chain and nonce given
        safe_address(),
        to_checksum_address(to),
        int(value),
        raw,
        0,  # operation CALL: the Safe never delegatecalls for jctgov
        0,
        0,
        0,
        None,
        None,
        safe_nonce=int(nonce),
        safe_version=SAFE_VERSION,
        chain_id=int(client.deployments()["chain_id"]),
    )


def typed_data(safe_tx: SafeTx) -> dict[str, Any]:
    """The SafeTx EIP-712 typed data, JSON-ready for ``eth_signTypedData_v4`` (bytes as 0x hex,
    uint256 values as decimal strings, exactly the fields of the SafeTx type)."""
    structured = safe_tx.eip712_structured_data
    fields = [f["name"] for f in structured["types"]["SafeTx"]]
    message: dict[str, Any] = {}
    for name in fields:
        value = structured["message"][name]
        if isinstance(value, bytes | bytearray):
            message[name] = "0x" + bytes(value).hex()
        elif isinstance(value, int) and not isinstance(value, bool):
            message[name] = str(value)
        else:
            message[name] = value
    return {
        "types": structured["types"],
        "primaryType": "SafeTx",
        "domain": {
            "chainId": int(structured["domain"]["chainId"]),
            "verifyingContract": structured["domain"]["verifyingContract"],
        },
        "message": message,
    }


def safe_tx_hash(safe_tx: SafeTx) -> str:
    return "0x" + bytes(safe_tx.safe_tx_hash).hex()


class BadSignature(ValueError):
    """The bytes are not one ECDSA signature of the SafeTx hash (code says why)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def recover_signer(safe_tx_hash_hex: str, signature: str) -> str:
    """The owner address an ``eth_signTypedData_v4`` signature of the SafeTx hash recovers to.

    Only plain EOA signatures (v = 27/28) are taken: a steward signs in their own wallet.
    Raises BadSignature for anything else (malformed, several signatures, a zero signer)."""
    try:
        raw = HexBytes(signature)
    except (ValueError, TypeError) as exc:
        raise BadSignature("The signature is not hex.", "signature_malformed") from exc
    if len(raw) != 65:
        raise BadSignature("A signature is 65 bytes.", "signature_malformed")
    parsed = SafeSignature.parse_signature(raw, HexBytes(safe_tx_hash_hex))
    if len(parsed) != 1 or parsed[0].signature_type != SafeSignatureType.EOA:
        raise BadSignature(
            "Sign the SafeTx typed data (eth_signTypedData_v4) with the steward's wallet.",
            "signature_malformed",
        )
    sig = parsed[0]
    if not sig.is_valid():
        raise BadSignature("The signature recovers to no address.", "signature_invalid")
    return to_checksum_address(sig.owner)


def packed_signatures(safe_tx_hash_hex: str, signatures: list[str]) -> bytes:
    """Concatenate owners' signatures sorted by owner address, as ``checkSignatures`` needs."""
    parsed = [SafeSignatureEOA(HexBytes(s), HexBytes(safe_tx_hash_hex)) for s in signatures]
    return bytes(SafeSignature.export_signatures(parsed))


def exec_transaction(safe_tx: SafeTx, signatures: list[str], *, private_key: Any) -> dict[str, Any]:
    """Relay ``execTransaction`` with the collected signatures, signed and paid by the relayer.

    The relayer's key needs no role: the Safe checks the owners' signatures. Returns the
    client's receipt summary; a revert raises ChainError with the decoded reason (GS0xx)."""
    safe = client.contract("Safe")
    packed = packed_signatures(safe_tx_hash(safe_tx), signatures)
    fn = safe.functions.execTransaction(
        safe_tx.to,
        safe_tx.value,
        bytes(safe_tx.data),
        safe_tx.operation,
        safe_tx.safe_tx_gas,
        safe_tx.base_gas,
        safe_tx.gas_price,
        safe_tx.gas_token,
        safe_tx.refund_receiver,
        packed,
    )
    return client.send_transaction(fn, private_key=private_key, serialize=True)


def find_execution(
    safe_tx_hash_hex: str, *, from_block: int | None = None
) -> dict[str, Any] | None:
    """The Safe's ``ExecutionSuccess``/``ExecutionFailure`` log for a SafeTx hash, if any:
    {"tx_hash", "block_number", "success"}. Used before sending and to reconcile after a crash."""
    safe = client.contract("Safe")
    start = int(client.deployments().get("deploy_block", 0) if from_block is None else from_block)
    wanted = bytes(HexBytes(safe_tx_hash_hex))
    for event_name, success in (("ExecutionSuccess", True), ("ExecutionFailure", False)):
        event = getattr(safe.events, event_name)
        with rpc_errors(f"Safe {event_name} logs"):
            logs = event.get_logs(from_block=start)
        for log in logs:
            if bytes(log["args"]["txHash"]) == wanted:
                return {
                    "tx_hash": "0x" + bytes(log["transactionHash"]).hex(),
                    "block_number": int(log["blockNumber"]),
                    "success": success,
                }
    return None


def require_deployed() -> str:
    """The Safe's address, or ChainError ``chain_not_deployed`` for an old deployments file."""
    address = client.deployments().get("Safe")
    if not address:
        raise ChainError(
            "This deployment has no stewards' Safe: redeploy (manage.py devchain).",
            code="chain_not_deployed",
        )
    return to_checksum_address(address)
