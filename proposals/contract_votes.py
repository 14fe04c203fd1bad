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
"""

from __future__ import annotations

from collections.abc import Callable

from proposals import eip712


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
    try:
        return eip712.verify_vote(domain, message, signature)
    except eip712.SignatureError as refusal:
        if refusal.code != "signature_mismatch":
            raise  # malformed or malleable: no wallet of either kind signs like that
        block = snapshot_block() if callable(snapshot_block) else snapshot_block
        digest = eip712.vote_digest(domain, message)
        from jctgov.chain import client as chain

        if block is not None and chain.is_valid_erc1271_signature(
            message.voter, digest, signature, block=block
        ):
            return digest
        raise
