"""Casting signed votes. The EIP-712 signature is the authority; no session is involved.

The rules live here; the SQL of this hot path is in ``vote_store``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from jctgov.core.addresses import checksummed_address
from jctgov.core.errors import ApplicationError, Conflict, Forbidden
from jctgov.core.text import text_problem
from proposals import contract_votes, eip712
from proposals.domain import vote_domain, vote_message
from proposals.models import NotPublished, Proposal, ProposalState, Vote
from proposals.notices import delegate_voted
from proposals.services import vote_store

MAX_REASON = 1_000
VOTER_TYPO = ("invalid_address", "The address's EIP-55 checksum is wrong.")
MAX_CLOCK_AHEAD_S = 300  # a wallet's clock may run ahead of ours by at most five minutes

_SIGNATURE_STATUS = {"bad_signature": 400, "malleable_signature": 400, "signature_mismatch": 401}


def vote_check_input(*, voter: Any, choice: Any, reason: Any, timestamp: Any) -> str:
    """The voter's checksummed address if the vote's fields are well-formed; else ApplicationError.

    Types are strict (JSON numbers for choice and timestamp, as the typed data carries them):
    the values are hashed exactly as given, so "1" and 1.0 are refused rather than coerced.
    """
    if not isinstance(reason, str):
        raise ApplicationError("The reason must be text.", code="invalid_input", field="reason")
    if problem := text_problem(reason):
        raise ApplicationError(problem[1], code=problem[0], field="reason")
    if len(reason) > MAX_REASON:
        raise ApplicationError(
            f"The reason is limited to {MAX_REASON} characters.",
            code="reason_too_long",
            field="reason",
        )
    if type(choice) is not int or choice not in (1, 2, 3):
        raise ApplicationError(
            "Choice must be 1 (For), 2 (Against) or 3 (Abstain).",
            code="invalid_choice",
            field="choice",
        )
    checksummed = checksummed_address(voter, "voter", typo=VOTER_TYPO)
    if type(timestamp) is not int or not (0 <= timestamp <= eip712.UINT64_MAX):
        raise ApplicationError(
            "Timestamp must be a uint64 (Unix seconds).",
            code="invalid_timestamp",
            field="timestamp",
        )
    return checksummed


def _not_active(state: str) -> Conflict:
    return Conflict(
        "This proposal is not open for votes.", code="proposal_not_active", extra={"state": state}
    )


def vote_typed_data(
    *, proposal: Proposal, voter: str, choice: int, reason: str, now: datetime | None = None
) -> dict[str, Any]:
    """The EIP-712 typed data a wallet signs (``eth_signTypedData_v4``), stamped with our clock."""
    timestamp = int((now or timezone.now()).timestamp())
    voter = vote_check_input(voter=voter, choice=choice, reason=reason, timestamp=timestamp)
    if proposal.state != ProposalState.ACTIVE:
        raise _not_active(proposal.state)
    message = vote_message(proposal, voter=voter, choice=choice, reason=reason, timestamp=timestamp)
    return eip712.typed_data(vote_domain(proposal), message)


def vote_cast(
    *,
    proposal_id: int,
    voter: str,
    choice: int,
    reason: str,
    timestamp: int,
    signature: str,
    now: datetime | None = None,
) -> tuple[Vote, bool]:
    """Record a signed vote; returns (receipt, created). The receipt's ``proposal`` is loaded.

    Idempotent: the same signed vote (same EIP-712 hash) is stored once and returned with
    created=False. The voter's last vote to arrive is the counted one (tally.counted_receipts:
    a timestamp is the wallet's claim and must not outrank a later change of mind); earlier
    ones stay as receipts. Delegation counts as Snapshot does (a delegator's veJCT goes
    with their delegate's vote unless the delegator votes; ``delegated_power`` on the counted
    votes says where it went). Atomic, under the proposal's row lock (the one proposal_close
    takes), and backed by the unique indexes on the digest and on (proposal, voter) WHERE
    counted: never two counted votes, never a vote counted after the close.
    """
    now = now or timezone.now()
    voter = vote_check_input(voter=voter, choice=choice, reason=reason, timestamp=timestamp)
    try:
        return _verify_and_record(proposal_id, voter, choice, reason, timestamp, signature, now)
    except _StaleTerms as stale:
        # Once: the terms are read again from the database, so a second mismatch means the
        # proposal row changes under us (a database being rebuilt), not a stale cache.
        vote_store.forget_terms(stale.proposal_id)
    try:
        return _verify_and_record(proposal_id, voter, choice, reason, timestamp, signature, now)
    except _StaleTerms:
        raise Conflict(
            "The proposal's voting terms changed while the vote was recorded; try again.",
            code="proposal_terms_changed",
        ) from None


def _verify_and_record(
    proposal_id: int,
    voter: str,
    choice: int,
    reason: str,
    timestamp: int,
    signature: str,
    now: datetime,
) -> tuple[Vote, bool]:
    vote = _signed_vote(proposal_id, voter, choice, reason, timestamp, signature)
    try:
        with transaction.atomic():
            return _record(vote, now)
    except IntegrityError:
        # The read raced a concurrent vote of the same voter (see vote_store): read again,
        # after the lock, and decide on what is committed now.
        with transaction.atomic():
            return _record(vote, now, fresh=True)


class _StaleTerms(Exception):
    """The cached voting terms differ from the proposal row (never in production: they are
    fixed at publish; a database rebuilt under a running process could do it). vote_cast
    retries once with terms read afresh, then refuses with 409 ``proposal_terms_changed``."""

    def __init__(self, proposal_id: int) -> None:
        super().__init__(proposal_id)
        self.proposal_id = proposal_id


def _signed_vote(
    proposal_id: int, voter: str, choice: int, reason: str, timestamp: int, signature: str
) -> Vote:
    """The vote, its id the EIP-712 digest, if ``signature`` is the voter's; checked before any
    lock is taken (recovery is the costliest step of a vote)."""
    terms = vote_store.voting_terms(proposal_id)
    try:
        return _verified(terms, voter, choice, reason, timestamp, signature)
    except eip712.SignatureError as exc:
        refusal = exc
    # Before refusing, make sure the refusal isn't due to stale cached terms.
    fresh = vote_store.voting_terms(proposal_id, refresh=True)
    if fresh != terms:
        try:
            return _verified(fresh, voter, choice, reason, timestamp, signature)
        except eip712.SignatureError as exc:
            refusal = exc
    raise ApplicationError(
        refusal.message,
        code=refusal.code,
        field="signature",
        status=_SIGNATURE_STATUS[refusal.code],
    )


def _verified(
    terms: vote_store.Terms, voter: str, choice: int, reason: str, timestamp: int, signature: str
) -> Vote:
    proposal = terms.proposal()
    message = vote_message(proposal, voter=voter, choice=choice, reason=reason, timestamp=timestamp)
    # ECDSA, or EIP-1271 for a contract wallet (asked at the snapshot block: contract_votes).
    digest = contract_votes.verify_vote_signature(
        vote_domain(proposal),
        message,
        signature,
        snapshot_block=lambda: _snapshot_block(proposal.pk),
    )
    return Vote(
        digest="0x" + digest.hex(),
        proposal=proposal,
        voter=voter,
        choice=choice,
        reason=reason,
        timestamp=timestamp,
        signature=signature if signature.startswith("0x") else "0x" + signature,
    )


def _snapshot_block(proposal_id: int) -> int:
    """Read only for a contract wallet's signature (EIP-1271 at the snapshot block). Terms
    exist only for a published proposal, and publishing set the block with the uid."""
    block = Proposal.objects.values_list("snapshot_block", flat=True).get(pk=proposal_id)
    if block is None:
        raise NotPublished(f"proposal {proposal_id} has no snapshot_block: not published")
    return block


def _record(vote: Vote, now: datetime, *, fresh: bool = False) -> tuple[Vote, bool]:
    proposal = vote.proposal
    ballot = vote_store.read_ballot(proposal.pk, vote.voter, vote.digest, fresh=fresh)
    if ballot.signed != (proposal.uid, proposal.chain_id, proposal.verifying_contract):
        raise _StaleTerms(proposal.pk)
    if ballot.same_vote_id is not None:
        stored = Vote.objects.get(pk=ballot.same_vote_id)
        stored.proposal = proposal
        return stored, False
    _check_window(ballot.state, proposal, vote.timestamp, now)
    if ballot.power <= 0 and not ballot.has_delegators:
        raise Forbidden(
            f"{vote.voter} had no veJCT at the proposal's snapshot block, and nobody had "
            "delegated to them there.",
            code="no_voting_power",
            field="voter",
        )
    # The later arrival (this one, under the proposal's lock) wins: tally.counted_receipts.
    vote.counted = True
    vote.power = ballot.power
    _count_delegation(vote, ballot)
    if ballot.counted_id is not None:
        vote_store.uncount_vote(ballot.counted_id)
    vote_store.insert_vote(vote)
    if vote.counted and vote.delegators:
        delegate_voted(vote=vote)  # "your delegate voted", to delegators who have not voted
    return vote, True


def _count_delegation(vote: Vote, ballot: vote_store.Ballot) -> None:
    """Snapshot's rule, whichever vote arrives first: a delegator's first vote takes their
    power off their delegate's counted vote; a delegate's vote carries the delegators who have
    not voted. Both read after the row lock, so a vote committed just before is seen."""
    if ballot.counted_id is None and ballot.delegate and ballot.power > 0:
        vote_store.release_delegation(vote.proposal_id, ballot.delegate, ballot.power)
    if ballot.has_delegators and ballot.snapshot_id is not None:
        vote.delegated_power, vote.delegators = vote_store.delegated_to(
            vote.proposal_id, ballot.snapshot_id, vote.voter
        )


def _check_window(state: str, proposal: Proposal, timestamp: int, now: datetime) -> None:
    if state != ProposalState.ACTIVE or now >= proposal.voting_ends_at:
        raise _not_active(state)
    if timestamp > now.timestamp() + MAX_CLOCK_AHEAD_S:
        raise ApplicationError(
            "The vote's timestamp is more than five minutes ahead of the server's clock.",
            code="timestamp_in_future",
            field="timestamp",
        )
    starts, ends = proposal.voting_starts_at, proposal.voting_ends_at
    if not starts.timestamp() <= timestamp <= ends.timestamp():
        raise ApplicationError(
            "The vote's timestamp is outside the voting window.",
            code="timestamp_out_of_window",
            field="timestamp",
        )
