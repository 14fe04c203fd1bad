"""EIP-55 checksummed addresses, fast: the vote-ingest path checksums every voter. No Django
here (the EIP-712 core uses it too); the validators people's input goes through are
``jctgov.core.addresses``."""

from __future__ import annotations

import re
from functools import lru_cache

from eth_utils import keccak

# \Z, not $: "$" would also match before a trailing newline.
HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}\Z")


@lru_cache(maxsize=65_536)
def checksum(address: str) -> str:
    """EIP-55 form of a ``0x`` + 40 hex digits address (callers check the shape).

    A hex digit is upper-cased where the keccak256 of the lower-case hex has a nibble ≥ 8.
    Written out rather than eth_utils.to_checksum_address, whose layers of input coercion
    cost more than the hash on the vote-ingest path; cached, since the escrow and each voter
    come back again and again.
    """
    lower = address[2:].lower()
    nibbles = keccak(lower.encode("ascii")).hex()
    return "0x" + "".join(
        c.upper() if n in "89abcdef" else c for c, n in zip(lower, nibbles[:40], strict=True)
    )
