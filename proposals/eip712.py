"""EIP-712 typed data for votes: build it, hash it, recover who signed it. No Django here.

A vote is ``Vote(bytes32 proposal,address voter,uint32 choice,string reason,uint64 timestamp)``
under the domain ``{name: "Janction Governance", version: "1", chainId, verifyingContract}``
(the VotingEscrow). Hashing follows EIP-712 ``hashStruct``/``encodeData`` exactly, so a wallet's
``eth_signTypedData_v4`` signature over :func:`typed_data` recovers here to the voter.

Signatures are refused unless canonical: ``s`` in the lower half of the curve order (EIP-2,
so nobody can mint a second valid signature for the same vote) and ``v`` in {27, 28, 0, 1}.
A sign-in (EIP-4361, ``personal_sign``) signature hashes a different message, so it never
recovers to the voter here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from coincurve import PublicKey
from eth_utils import keccak

from jctgov.core.eip55 import HEX_ADDRESS, checksum

DOMAIN_NAME = "Janction Governance"
DOMAIN_VERSION = "1"
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SECP256K1_HALF_N = SECP256K1_N // 2
UINT32_MAX = 2**32 - 1
UINT64_MAX = 2**64 - 1

EIP712_DOMAIN_FIELDS = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
VOTE_FIELDS = [
    {"name": "proposal", "type": "bytes32"},
    {"name": "voter", "type": "address"},
    {"name": "choice", "type": "uint32"},
    {"name": "reason", "type": "string"},
    {"name": "timestamp", "type": "uint64"},
]
DOMAIN_TYPEHASH = keccak(
    text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)
VOTE_TYPEHASH = keccak(
    text="Vote(bytes32 proposal,address voter,uint32 choice,string reason,uint64 timestamp)"
)
# \Z, not $: "$" also matches before a trailing newline, which hex decoding would not accept.
_BYTES32 = re.compile(r"^0x[0-9a-fA-F]{64}\Z")
_SIGNATURE = re.compile(r"^(0x)?[0-9a-fA-F]{130}\Z")


class SignatureError(ValueError):
    """A vote signature that can't be accepted; ``code`` is the API error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Domain:
    chain_id: int
    verifying_contract: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": self.chain_id,
            "verifyingContract": checksum(self.verifying_contract),
        }


@dataclass(frozen=True)
class VoteMessage:
    proposal: str  # bytes32 hex: the proposal's uid
    voter: str
    choice: int
    reason: str
    timestamp: int

    def __post_init__(self) -> None:
        if not _BYTES32.match(self.proposal):
            raise ValueError("proposal must be a 0x-prefixed bytes32 hex string")
        if not HEX_ADDRESS.match(self.voter):
            raise ValueError("voter must be an address")
        if not 0 <= self.choice <= UINT32_MAX:
            raise ValueError("choice must fit uint32")
        if not 0 <= self.timestamp <= UINT64_MAX:
            raise ValueError("timestamp must fit uint64")

    def as_dict(self) -> dict[str, Any]:
        return {
            "proposal": self.proposal.lower(),
            "voter": checksum(self.voter),
            "choice": self.choice,
            "reason": self.reason,
            "timestamp": self.timestamp,
        }


def typed_data(domain: Domain, message: VoteMessage) -> dict[str, Any]:
    """The full typed-data JSON a wallet takes for ``eth_signTypedData_v4``."""
    return {
        "types": {"EIP712Domain": EIP712_DOMAIN_FIELDS, "Vote": VOTE_FIELDS},
        "primaryType": "Vote",
        "domain": domain.as_dict(),
        "message": message.as_dict(),
    }


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _address_word(address: str) -> bytes:
    return bytes(12) + bytes.fromhex(address[2:])


@lru_cache(maxsize=256)
def domain_separator(domain: Domain) -> bytes:
    """hashStruct(EIP712Domain); cached, since every vote of a proposal shares its domain."""
    return keccak(
        DOMAIN_TYPEHASH
        + keccak(text=DOMAIN_NAME)
        + keccak(text=DOMAIN_VERSION)
        + _word(domain.chain_id)
        + _address_word(domain.verifying_contract)
    )


def vote_struct_hash(message: VoteMessage) -> bytes:
    """hashStruct(Vote): dynamic ``string`` fields are hashed, atomic ones padded to 32 bytes."""
    return keccak(
        VOTE_TYPEHASH
        + bytes.fromhex(message.proposal[2:])
        + _address_word(message.voter)
        + _word(message.choice)
        + keccak(text=message.reason)
        + _word(message.timestamp)
    )


def vote_digest(domain: Domain, message: VoteMessage, *, separator: bytes | None = None) -> bytes:
    """keccak256("\\x19\\x01" ‖ domainSeparator ‖ hashStruct(message)): what the wallet signs.

    Pass a precomputed ``separator`` when hashing many votes of one proposal.
    """
    return keccak(b"\x19\x01" + (separator or domain_separator(domain)) + vote_struct_hash(message))


def split_signature(signature: str) -> tuple[int, int, int]:
    """(v, r, s) from a 65-byte hex signature r ‖ s ‖ v; SignatureError if malformed or malleable."""
    if not isinstance(signature, str) or not _SIGNATURE.match(signature):
        raise SignatureError("bad_signature", "The signature must be 65 bytes of hex (r, s, v).")
    raw = bytes.fromhex(signature[2:] if signature.startswith("0x") else signature)
    r = int.from_bytes(raw[:32], "big")
    s = int.from_bytes(raw[32:64], "big")
    v = raw[64]
    if v not in (0, 1, 27, 28):
        raise SignatureError("bad_signature", "The signature's v must be 27 or 28 (or 0 or 1).")
    if not (1 <= r < SECP256K1_N and 1 <= s < SECP256K1_N):
        raise SignatureError("bad_signature", "The signature's r or s is out of range.")
    if s > SECP256K1_HALF_N:
        # EIP-2: (r, n - s) would verify too; accepting both would let anyone re-mint a vote.
        raise SignatureError(
            "malleable_signature", "High-s signature refused (EIP-2); sign again with your wallet."
        )
    return (v - 27 if v >= 27 else v), r, s


def recover_signer(digest: bytes, signature: str) -> str:
    """The checksummed address whose key signed ``digest``; SignatureError if it can't be."""
    return checksum("0x" + _recover_address_bytes(digest, signature).hex())


def _recover_address_bytes(digest: bytes, signature: str) -> bytes:
    recovery_id, r, s = split_signature(signature)
    compact = _word(r) + _word(s) + bytes([recovery_id])
    try:
        public_key = PublicKey.from_signature_and_message(compact, digest, hasher=None)
    except Exception as exc:  # coincurve raises plain Exception on unrecoverable input
        raise SignatureError(
            "bad_signature", "No public key recovers from this signature."
        ) from exc
    uncompressed = public_key.format(compressed=False)[1:]
    return keccak(uncompressed)[-20:]


def verify_vote(domain: Domain, message: VoteMessage, signature: str) -> bytes:
    """The vote's digest if ``signature`` is the voter's canonical signature; else SignatureError."""
    digest = vote_digest(domain, message)
    # Compare the 20 bytes: EIP-55 casing is presentation, and checksumming costs a keccak.
    if _recover_address_bytes(digest, signature) != bytes.fromhex(message.voter[2:]):
        raise SignatureError(
            "signature_mismatch", "The signature was not made by the voter over this vote."
        )
    return digest
