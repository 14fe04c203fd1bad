"""GrantEscrow reads and the payout calldata, through the chain client (the one door to the chain).

Every function returns plain Python values and raises the client's ``ChainUnavailable``
(transient) or ``ChainError`` (permanent).
"""

from __future__ import annotations

from typing import Any

from eth_utils import keccak, to_checksum_address

from jctgov.chain import client as chain


def payout_ref(*, escrow_program_id: int, milestone_id: int, created_at: Any) -> str:
    """The bytes32 reference of a milestone's payout: deterministic, and unique per milestone row
    (its creation time is included, so a reset database can't reuse an old reference)."""
    text = f"jctgov.grants.milestone:{escrow_program_id}:{milestone_id}:{created_at.isoformat()}"
    return "0x" + keccak(text=text).hex()


def remaining(escrow_program_id: int) -> int:
    """What the escrow can still pay out of program ``escrow_program_id``."""
    return int(chain.call_view("GrantEscrow", "remaining", int(escrow_program_id)))


def ref_paid(ref: str) -> bool:
    return bool(chain.call_view("GrantEscrow", "paidRefs", bytes.fromhex(ref[2:])))


def find_payout(*, escrow_program_id: int, to: str, ref: str) -> dict[str, Any] | None:
    """The ``Payout`` event carrying ``ref``: {"tx_hash", "block_number", "amount"}, or None."""
    logs = chain.event_logs(
        "GrantEscrow",
        "Payout",
        argument_filters={"id": int(escrow_program_id), "to": to_checksum_address(to)},
    )
    for log in logs:
        if "0x" + bytes(log["args"]["ref"]).hex() == ref.lower():
            return {
                "tx_hash": "0x" + bytes(log["transactionHash"]).hex(),
                "block_number": int(log["blockNumber"]),
                "amount": int(log["args"]["amount"]),
            }
    return None


def payout_data(*, escrow_program_id: int, to: str, amount: int, ref: str) -> bytes:
    """Calldata of ``payoutOnce(id, to, amount, ref)``: what the stewards' Safe calls (it alone
    holds PAYOUT_ROLE), relayed once enough stewards signed."""
    data = chain.contract("GrantEscrow").encode_abi(
        "payoutOnce",
        args=[int(escrow_program_id), to_checksum_address(to), int(amount), bytes.fromhex(ref[2:])],
    )
    return bytes.fromhex(data[2:])
