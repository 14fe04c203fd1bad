"""Domain rules of a proposal that both the write side (services) and the read side
(presenters, ``verify.py``, template tags) apply: what a published proposal's uid hashes, what a
vote signs, and when a passed proposal's chance to execute runs out.

Reads only; nothing here writes. The hashing and the typed data themselves are the pure cores
``proposals.canonical`` and ``proposals.eip712``; these functions adapt a ``Proposal`` to them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings

from jctgov.core.parameters import current_value
from proposals import eip712
from proposals.canonical import proposal_content

if TYPE_CHECKING:
    from proposals.models import Proposal


def proposal_content_of(proposal: Proposal) -> dict[str, Any]:
    """The canonical content the uid hashes (published proposals only)."""
    return proposal_content(
        proposal_id=proposal.pk,
        kind=proposal.kind,
        title=proposal.title,
        body=proposal.body,
        discussion_url=proposal.discussion_url,
        payload=proposal.payload,
        author=proposal.author.address,
        chain_id=int(proposal.chain_id or 0),
        verifying_contract=proposal.verifying_contract,
        snapshot_block=int(proposal.snapshot_block or 0),
    )


def vote_domain(proposal: Proposal) -> eip712.Domain:
    """The EIP-712 domain a vote on ``proposal`` is signed in (its chain and contract)."""
    return eip712.Domain(
        chain_id=int(proposal.chain_id or 0), verifying_contract=proposal.verifying_contract
    )


def vote_message(
    proposal: Proposal, *, voter: str, choice: int, reason: str, timestamp: int
) -> eip712.VoteMessage:
    """The EIP-712 ``Vote`` message: the voter's choice on the proposal's uid."""
    return eip712.VoteMessage(
        proposal=proposal.uid or "", voter=voter, choice=choice, reason=reason, timestamp=timestamp
    )


def grace_deadline(proposal: Proposal, *, grace_s: int | None = None) -> datetime:
    """When a succeeded proposal that was never queued expires. ``grace_s``: the parameter
    ``governance.execution_grace_s`` when the caller read it already (once for a list)."""
    closed = proposal.closed_at or proposal.ends_at or proposal.updated_at
    if grace_s is None:
        grace_s = current_value("governance.execution_grace_s")
    return closed + timedelta(seconds=grace_s)


def executor_configured() -> bool:
    """Is a relayer key configured? (Without decrypting a keystore: pages call this.)"""
    return bool(settings.JCTGOV_EXECUTOR_KEY or settings.JCTGOV_EXECUTOR_KEYSTORE)
