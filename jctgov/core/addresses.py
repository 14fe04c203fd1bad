"""Ethereum addresses typed by people: any case accepted, a broken checksum refused."""

from __future__ import annotations

import re
from typing import Any

from eth_utils import is_checksum_address, to_checksum_address

from jctgov.core.errors import ApplicationError

_HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


def address_any_case(value: Any, field: str = "address") -> str:
    """The EIP-55 checksummed form of ``value``. All-lower and all-upper hex are accepted as
    typed; mixed case IS a checksum (EIP-55), so a mixed-case address that fails it is a typo
    and is refused. Raises ApplicationError ``invalid_address`` (400)."""
    if isinstance(value, str) and _HEX_ADDRESS.match(value):
        digits = value[2:]
        if digits == digits.lower() or digits == digits.upper() or is_checksum_address(value):
            return to_checksum_address(value)
    raise ApplicationError(
        "Not an Ethereum address (or its mixed-case checksum is wrong).",
        code="invalid_address",
        field=field,
    )


def is_address_any_case(value: Any) -> bool:
    try:
        address_any_case(value)
    except ApplicationError:
        return False
    return True
