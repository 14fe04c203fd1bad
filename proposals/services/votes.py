"""Casting signed votes. The EIP-712 signature is the authority; no session is involved."""

from __future__ import annotations

import re
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from eth_utils import to_checksum_address

from jctgov.chain.models import PowerSnapshotEntry
from jctgov.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from proposals import eip712
from proposals.models import Proposal, ProposalState, Vote

_HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}\Z")  # \Z: "$" would let a trailing "\n" in
MAX_REASON = 1_000
MAX_CLOCK_AHEAD_S = 300  # a wallet's clock may run ahead of ours by at most five minutes

_VOTING_FIELDS = (
    "uid",
    "state",
    "chain_id",
    "verifying_contract",
    "snapshot_block",
    "starts_at",
    "ends_at",
)
_SIGNATURE_STATUS = {"bad_signature": 400, "malleable_signature": 400, "signature_mismatch": 401}


def vote_domain(proposal: Proposal) -> eip712.Domain:
    return eip712.Domain(
        chain_id=int(proposal.chain_id or 0), verifying_contract=proposal.verifying_contract
    )


def vote_message(
    proposal: Proposal, *, voter: str, choice: int, reason: str, timestamp: int
) -> eip712.VoteMessage:
    return eip712.VoteMessage(
        proposal=proposal.uid or "", voter=voter, choice=choice, reason=reason, timestamp=timestamp
    )


def _check_input(voter: str, choice: int, reason: str, timestamp: int) -> str:
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        raise ApplicationError(
            f"The reason is limited to {MAX_REASON} characters.",
            code="reason_too_long",
            field="reason",
        )
    if isinstance(choice, bool) or choice not in (1, 2, 3):
        raise ApplicationError(
            "Choice must be 1 (For), 2 (Against) or 3 (Abstain).",
            code="invalid_choice",
            field="choice",
        )
    if not isinstance(voter, str) or not _HEX_ADDRESS.match(voter):
        raise ApplicationError("Not an Ethereum address.", code="invalid_address", field="voter")
    checksummed = to_checksum_address(voter)
    if voter != checksummed and voter[2:] not in (voter[2:].lower(), voter[2:].upper()):
        # Mixed case is an EIP-55 checksum, and this one is wrong: likely a typo.
        raise ApplicationError(
            "The address's EIP-55 checksum is wrong.", code="invalid_address", field="voter"
        )
    if (
        isinstance(timestamp, bool)
        or not isinstance(timestamp, int)
        or not (0 <= timestamp <= eip712.UINT64_MAX)
    ):
        raise ApplicationError(
            "Timestamp must be a uint64.", code="invalid_timestamp", field="timestamp"
        )
    return checksummed


def _check_window(proposal: Proposal, timestamp: int, now: datetime) -> None:
    if proposal.state != ProposalState.ACTIVE or now >= proposal.ends_at:
        raise Conflict(
            "This proposal is not open for votes.",
            code="proposal_not_active",
            extra={"state": proposal.state},
        )
    if timestamp > now.timestamp() + MAX_CLOCK_AHEAD_S:
        raise ApplicationError(
            "The vote's timestamp is more than five minutes ahead of the server's clock.",
            code="timestamp_in_future",
            field="timestamp",
        )
    if not proposal.starts_at.timestamp() <= timestamp <= proposal.ends_at.timestamp():
        raise ApplicationError(
            "The vote's timestamp is outside the voting window.",
            code="timestamp_out_of_window",
            field="timestamp",
        )


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
    """Record a signed vote; returns (receipt, created).

    Idempotent: the same signed vote (same EIP-712 hash) is stored once and returned with
    created=False. The voter's newest vote (by timestamp, ties by arrival) is the counted one;
    older ones stay as receipts. The proposal row and the voter's counted vote are locked, and
    the partial unique index (proposal, voter) WHERE counted backs it: never two counted votes,
    never a vote counted after the close.
    """
    now = now or timezone.now()
    voter = _check_input(voter, choice, reason, timestamp)
    args = (voter, choice, reason, timestamp, signature, now)
    try:
        with transaction.atomic():
            return _record(proposal_id, *args)
    except IntegrityError:
        # A concurrent request stored the same signed vote first: answer like a repeat.
        with transaction.atomic():
            return _record(proposal_id, *args)


def _record(
    proposal_id: int,
    voter: str,
    choice: int,
    reason: str,
    timestamp: int,
    signature: str,
    now: datetime,
) -> tuple[Vote, bool]:
    # The proposal row lock is the one proposal_close takes: a vote is either counted before
    # the close or refused after it. Everything below runs under it (a few indexed reads).
    # The voter's snapshot power rides along in the same query: one round trip fewer per vote.
    snapshot_power = PowerSnapshotEntry.objects.filter(
        snapshot__block_number=OuterRef("snapshot_block"), address=voter
    ).values("power")[:1]
    try:
        proposal = (
            Proposal.objects.select_for_update(of=("self",))
            .only(*_VOTING_FIELDS)
            .annotate(voter_power=Subquery(snapshot_power))
            .get(pk=proposal_id)
        )
    except (Proposal.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such proposal.", code="proposal_not_found") from None
    if not proposal.uid:
        raise Conflict(
            "This proposal is not open for votes.",
            code="proposal_not_active",
            extra={"state": proposal.state},
        )
    message = vote_message(proposal, voter=voter, choice=choice, reason=reason, timestamp=timestamp)
    try:
        digest = "0x" + eip712.verify_vote(vote_domain(proposal), message, signature).hex()
    except eip712.SignatureError as exc:
        raise ApplicationError(
            exc.message, code=exc.code, field="signature", status=_SIGNATURE_STATUS[exc.code]
        ) from None
    # One locked read finds both a stored copy of this vote and the voter's counted vote.
    rows = list(
        Vote.objects.select_for_update()
        .filter(Q(digest=digest) | Q(proposal_id=proposal_id, voter=voter, counted=True))
        .only("digest", "timestamp", "counted")
    )
    for row in rows:
        if row.digest == digest:
            return Vote.objects.select_related("proposal").get(pk=row.pk), False
    _check_window(proposal, timestamp, now)
    voting_power = int(proposal.voter_power or 0)
    if voting_power <= 0:
        raise Forbidden(
            f"{voter} had no veJCT at the proposal's snapshot block.",
            code="no_voting_power",
            field="voter",
        )
    current = rows[0] if rows else None
    # Newer timestamp wins; on a tie the later arrival (this one) wins.
    counts = current is None or timestamp >= current.timestamp
    if current is not None and counts:
        Vote.objects.filter(pk=current.pk).update(counted=False)
    # Fields are validated above (input checks, signature, window, power) and by the database
    # constraints; full_clean would add two more queries per vote on the ingest path.
    vote = Vote(
        digest=digest,
        proposal_id=proposal_id,
        voter=voter,
        choice=choice,
        reason=reason,
        timestamp=timestamp,
        signature=signature if signature.startswith("0x") else "0x" + signature,
        power=voting_power,
        counted=counts,
    )
    vote.save(force_insert=True)
    return vote, True
