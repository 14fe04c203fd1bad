"""Chain-layer settings that are governance parameters (the registry in jctgov.core.parameters,
read through the ParameterStore mirror): one source of truth with the proposals app."""

from __future__ import annotations

from typing import Any

from eth_utils import keccak


def key_hash(name: str) -> str:
    """0x + lower-case hex keccak256 of a parameter name: the ParameterStore key."""
    return "0x" + keccak(text=name).hex()


def confirmations() -> int:
    """governance.snapshot_confirmations in force: how deep a block must be to be indexed or
    snapshotted (the same value proposals use to pick their snapshot block)."""
    from jctgov.core.parameters import current_value

    return int(current_value("governance.snapshot_confirmations"))


def mirror_rows(chain_keys: list[str]) -> list[tuple[str, Any, Any, int, str]]:
    """(key_hash, value, out_of_range_value, block_number, tx_hash) of the ParameterStore
    mirror for ``chain_keys``: what ``jctgov.core.parameters`` reads values in force from."""
    from jctgov.chain.models import ParameterMirror

    rows = ParameterMirror.objects.filter(key_hash__in=chain_keys).values_list(
        "key_hash", "value", "out_of_range_value", "block_number", "tx_hash"
    )
    return list(rows)
