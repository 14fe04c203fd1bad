"""Chain-layer settings that are governance parameters (read from the DB mirror)."""

from __future__ import annotations

from eth_utils import keccak

DEFAULT_CONFIRMATIONS = 2


def key_hash(name: str) -> str:
    """0x + lower-case hex keccak256 of a parameter name: the ParameterStore key."""
    return "0x" + keccak(text=name).hex()


def confirmations() -> int:
    """governance.snapshot_confirmations: the mirrored on-chain value, else the default (2)."""
    from jctgov.chain.models import ParameterMirror

    value = (
        ParameterMirror.objects.filter(key_hash=key_hash("governance.snapshot_confirmations"))
        .values_list("value", flat=True)
        .first()
    )
    return int(value) if value is not None else DEFAULT_CONFIRMATIONS
