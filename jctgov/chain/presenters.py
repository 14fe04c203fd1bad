"""Chain operations as pages and the API show them: k of M, who signed, the decoded action."""

from __future__ import annotations

from typing import Any

from jctgov.chain.domain import typed_data
from jctgov.chain.models import ChainOperation


def operation_data(op: ChainOperation, *, typed: bool = False) -> dict[str, Any]:
    """Plain data of an operation. Counts only signatures of the owners last read from the Safe;
    ``typed`` adds the SafeTx typed data (for a wallet to sign) while it takes signatures."""
    owners = list(op.owners or [])
    signatures = list(op.signatures.all())
    signed = [s for s in signatures if s.signer in owners]
    data: dict[str, Any] = {
        "id": op.pk,
        "kind": op.kind,
        "state": op.state,
        "state_label": op.get_state_display(),
        "description": op.description,
        "note": op.note,
        "to": op.to,
        "data": op.data,
        "safe": op.safe,
        "safe_nonce": op.safe_nonce,
        "safe_tx_hash": op.safe_tx_hash,
        "chain_id": op.chain_id,
        "threshold": op.threshold,
        "signed": len(signed),
        "missing": max(op.threshold - len(signed), 0) if op.safe else 0,
        "signers": [{"address": s.signer, "at": s.created_at.isoformat()} for s in signatures],
        "owners": owners,
        "unsigned_owners": [o for o in owners if o not in {s.signer for s in signatures}],
        "rebuilt_reason": op.rebuilt_reason,
        "failure_code": op.failure_code,
        "failure_reason": op.failure_reason,
        "tx_hash": op.tx_hash,
        "block_number": op.block_number,
        "signable": bool(op.safe) and op.state in ("collecting", "ready"),
        "typed_data": None,
    }
    if typed and data["signable"]:
        data["typed_data"] = typed_data(op)
    return data
