"""Chain-layer settings that are governance parameters (the registry in jctgov.core.parameters)."""

from __future__ import annotations

from eth_utils import keccak


def key_hash(name: str) -> str:
    """0x + lower-case hex keccak256 of a parameter name: the ParameterStore key."""
    return "0x" + keccak(text=name).hex()


def confirmations() -> int:
    """governance.snapshot_confirmations in force: the mirrored on-chain value, else the
    registry's default. Read through the registry, so governance changes it like any other."""
    from jctgov.core.parameters import current_value

    return current_value("governance.snapshot_confirmations")
