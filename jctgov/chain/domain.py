"""What a chain operation's row means on chain: its SafeTx and the typed data stewards sign.

Reads only, shared by the chain-operation kit (``operations``, ``opening``, ``relay``) and the
read side (``presenters``): the pages never import the kit that writes.
"""

from __future__ import annotations

from typing import Any

from jctgov.chain import safe
from jctgov.chain.models import ChainOperation, OperationKind
from jctgov.core.errors import Conflict

# Operations the stewards' Safe sends (k-of-M signatures); an execute is a direct call.
SAFE_KINDS = (OperationKind.SCHEDULE, OperationKind.CANCEL, OperationKind.PAYOUT)


def safe_tx_of(op: ChainOperation) -> Any:
    """The SafeTx of a Safe operation, rebuilt from its row (to, data, Safe nonce)."""
    return safe.build_safe_tx(to=op.to, data=op.data, nonce=int(op.safe_nonce or 0))


def typed_data(op: ChainOperation) -> dict[str, Any]:
    """The SafeTx typed data a steward signs with eth_signTypedData_v4."""
    if not op.safe:
        raise Conflict("This operation needs no signatures.", code="operation_not_signable")
    return safe.typed_data(safe_tx_of(op))
