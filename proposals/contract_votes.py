"""Vote signatures of contract wallets (EIP-1271), beside plain ECDSA ones.

A vote is valid when the voter's key signed its EIP-712 digest (ecrecover), or, when it did
not, when the voter is a contract whose ``isValidSignature(digest, signature)`` answers the
EIP-1271 magic value. A Safe (or a DAO's wallet) holding veJCT votes this way.

Which block the contract is asked at: the proposal's snapshot block. The vote's power is the
wallet's veJCT at that block, so the rules that say who may sign for it (a Safe's owners and
threshold) are taken from the same block: an owner added after the snapshot can't cast the
snapshot's power, and the answer never changes afterwards, so ``verify_tally`` re-checks it
at the same block and gets the same result. The cost: the RPC must serve state at that
block (Anvil does; on a pruned node use an archive RPC for contract-wallet votes). Plain
ECDSA votes never touch the chain.

A signature longer than 65 bytes is a contract wallet's alone (a 2-of-3 Safe's is its owners'
two 65-byte signatures of the SafeMessage, concatenated in owner order): it goes to the
contract without an ECDSA attempt, up to MAX_CONTRACT_SIGNATURE_BYTES (the sign-in's limit).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from proposals import eip712

# A Safe of 31 owners at a threshold of 31 signs in 2,015 bytes; a vote's receipt stores the
# signature as hex (Vote.signature: 2 + 2 × this many characters).
MAX_CONTRACT_SIGNATURE_BYTES = 2_047
_CONTRACT_SIGNATURE = re.compile(r"^(0x)?(?:[0-9a-fA-F]{2}){66,}\Z")


def verify_vote_signature(
    domain: eip712.Domain,
    message: eip712.VoteMessage,
    signature: str,
    *,
    snapshot_block: Callable[[], int] | int,
) -> bytes:
    """The vote's digest if the voter signed it (ECDSA, or EIP-1271 at the snapshot block,
    given or read lazily: only contract wallets need it); SignatureError otherwise.
    ChainUnavailable when a contract wallet's chain can't be asked."""
    if _is_contract_signature(signature):
        if len(signature.removeprefix("0x")) > 2 * MAX_CONTRACT_SIGNATURE_BYTES:
            raise eip712.SignatureError(
                "bad_signature",
                f"A contract wallet's signature is at most {MAX_CONTRACT_SIGNATURE_BYTES:,} bytes.",
            )
        digest = eip712.vote_digest(domain, message)
        if _accepted_by_contract(message.voter, digest, signature, snapshot_block):
            return digest
        raise eip712.SignatureError(
            "signature_mismatch",
            "The voter's contract wallet does not accept this signature (EIP-1271) at the "
            "snapshot block: not enough of its owners signed this vote.",
        )
    try:
        return eip712.verify_vote(domain, message, signature)
    except eip712.SignatureError as refusal:
        if refusal.code != "signature_mismatch":
            raise  # malformed or malleable: no wallet of either kind signs like that
        digest = eip712.vote_digest(domain, message)
        if _accepted_by_contract(message.voter, digest, signature, snapshot_block):
            return digest
        raise


def _is_contract_signature(signature: object) -> bool:
    """More than one ECDSA signature's 65 bytes of hex: only a contract wallet signs so."""
    return isinstance(signature, str) and _CONTRACT_SIGNATURE.match(signature) is not None


def _accepted_by_contract(
    voter: str, digest: bytes, signature: str, snapshot_block: Callable[[], int] | int
) -> bool:
    """Does the voter's contract accept ``signature`` over ``digest`` at the snapshot block?"""
    block = snapshot_block() if callable(snapshot_block) else snapshot_block
    from jctgov.chain import client as chain

    return chain.is_valid_erc1271_signature(voter, digest, signature, block=block)
