"""GrantEscrow reads and the payout write, through the chain client (the one door to the chain).

Every function returns plain Python values and raises the client's ``ChainUnavailable``
(transient) or ``ChainError`` (permanent).
"""

from __future__ import annotations

from typing import Any

from eth_utils import keccak, to_checksum_address

from jctgov.chain import client as chain

# The client's RPC error translation (transport → ChainUnavailable, revert → ChainError).
_rpc = chain._rpc


def payout_ref(*, escrow_program_id: int, milestone_id: int, created_at: Any) -> str:
    """The bytes32 reference of a milestone's payout: deterministic, and unique per milestone row
    (its creation time is included, so a reset database can't reuse an old reference)."""
    text = f"jctgov.grants.milestone:{escrow_program_id}:{milestone_id}:{created_at.isoformat()}"
    return "0x" + keccak(text=text).hex()


def remaining(escrow_program_id: int) -> int:
    """What the escrow can still pay out of program ``escrow_program_id``."""
    with _rpc("GrantEscrow.remaining"):
        return int(chain.contract("GrantEscrow").functions.remaining(int(escrow_program_id)).call())


def ref_paid(ref: str) -> bool:
    with _rpc("GrantEscrow.paidRefs"):
        return bool(chain.contract("GrantEscrow").functions.paidRefs(bytes.fromhex(ref[2:])).call())


def find_payout(*, escrow_program_id: int, to: str, ref: str) -> dict[str, Any] | None:
    """The ``Payout`` event carrying ``ref``: {"tx_hash", "block_number", "amount"}, or None."""
    escrow = chain.contract("GrantEscrow")
    from_block = int(chain.deployments().get("deploy_block", 0))
    with _rpc("GrantEscrow Payout logs"):
        logs = escrow.events.Payout().get_logs(
            from_block=from_block,
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


def send_payout(*, escrow_program_id: int, to: str, amount: int, ref: str) -> dict[str, Any]:
    """``payoutOnce(id, to, amount, ref)`` signed by the executor; waits for the receipt.

    Raises ChainError (code ``executor_unavailable``) when no executor key is configured.
    """
    account = chain.executor_account()
    if account is None:
        raise chain.ChainError(
            "No executor key is configured (JCTGOV_EXECUTOR_KEY): the payout waits for one.",
            code="executor_unavailable",
        )
    fn = chain.contract("GrantEscrow").functions.payoutOnce(
        int(escrow_program_id), to_checksum_address(to), int(amount), bytes.fromhex(ref[2:])
    )
    return chain.send_transaction(fn, private_key=account)
