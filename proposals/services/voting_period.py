"""The beat's side of the lifecycle: pending → active once the snapshot is stored, active →
succeeded | defeated | no_quorum at the end time.

Each step locks the proposal row and rechecks the state (``Proposal.TRANSITIONS``), so the
beat is idempotent and safe to run concurrently: a proposal already moved is left alone.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from jctgov.core.errors import ApplicationError
from jctgov.core.services import audit_record
from jctgov.core.states import can
from jctgov.core.transitions import transition
from jctgov.notify.services import emit
from proposals import power
from proposals.models import Proposal, ProposalState, Vote
from proposals.selectors import proposal_tally
from proposals.services.rows import proposal_locked
from proposals.tally import delegated_powers

logger = logging.getLogger(__name__)
S = ProposalState
SNAPSHOT_RETRY_AFTER = timedelta(seconds=60)


def proposal_activate(*, proposal_id: int, now: datetime | None = None) -> Proposal:
    """pending → active once the power snapshot of its block is stored. No-op otherwise."""
    with transaction.atomic():
        proposal = proposal_locked(proposal_id)
        if not can(proposal, "activate"):
            return proposal
        snapshot = power.snapshot_at(proposal.published_snapshot_block)
        if snapshot is None:
            return proposal
        transition(
            proposal,
            "activate",
            data={"total_supply": str(int(snapshot.total_supply))},
            snapshot_total_supply=int(snapshot.total_supply),
        )
        emit("proposal.voting_open", subject=proposal)
    return proposal


def proposal_close(*, proposal_id: int, now: datetime | None = None) -> Proposal:
    """active → succeeded | defeated | no_quorum at the end time, from a SQL-aggregate tally.

    Before the result is final the snapshot's block hash is re-checked on chain; after a reorg
    the snapshot is re-run (logged) and the votes take their power from the new one. Chain
    reads happen before the row lock; a chain outage raises ChainUnavailable and closes nothing.
    The proposal row stays locked while counting; vote_cast takes the same lock and rechecks the
    state, so no vote is counted after the close. No-op before the end or when not active.
    """
    now = now or timezone.now()
    due = Proposal.objects.filter(pk=proposal_id, state=S.ACTIVE, ends_at__lte=now)
    block = due.values_list("snapshot_block", flat=True).first()
    if block is not None:
        power.snapshot_confirm(block)
    with transaction.atomic():
        proposal = proposal_locked(proposal_id)
        if not can(proposal, "close") or now < proposal.voting_ends_at:
            return proposal
        snapshot = power.snapshot_at(proposal.published_snapshot_block)
        if snapshot is not None:
            _sync_with_snapshot(proposal, snapshot)
        tally = proposal_tally(proposal)
        transition(
            proposal,
            "close",
            to=tally.outcome,
            data=tally.as_dict(),
            for_power=tally.for_power,
            against_power=tally.against_power,
            abstain_power=tally.abstain_power,
            closed_at=now,
        )
        emit("proposal.closed", subject=proposal, data={"result": proposal.state})
    return proposal


def _sync_with_snapshot(proposal: Proposal, snapshot: Any) -> None:
    """Receipts and the total take their power, own and delegated, from the stored snapshot.
    A no-op unless a reorg made the snapshot be retaken; then a voter without power or
    delegations on the winning chain stops counting (the receipts are kept), delegated powers
    are recounted (Snapshot's rule), and the change is logged and audited."""
    previous = int(proposal.snapshot_total_supply or 0)
    holdings = power.snapshot_holdings(snapshot)
    delegates = {h.delegate for h in holdings.values() if h.delegate}
    repriced = uncounted = 0
    votes = list(power.votes_of(proposal))
    for vote in votes:
        own = holdings[vote.voter].power if vote.voter in holdings else 0
        if own == 0 and vote.voter not in delegates:
            if vote.counted:
                vote.counted = False
                Vote.objects.filter(pk=vote.pk).update(
                    counted=False, delegated_power=0, delegators=0
                )
                uncounted += 1
        elif own != int(vote.power):
            Vote.objects.filter(pk=vote.pk).update(power=own)
            repriced += 1
    counted = [v for v in votes if v.counted]
    carried = delegated_powers(holdings, [v.voter for v in counted])
    for vote in counted:
        due = carried[vote.voter]
        if (due.power, len(due.delegators)) != (int(vote.delegated_power), vote.delegators):
            Vote.objects.filter(pk=vote.pk).update(
                delegated_power=due.power, delegators=len(due.delegators)
            )
            repriced += 1
    if previous == int(snapshot.total_supply) and not (repriced or uncounted):
        return
    proposal.snapshot_total_supply = int(snapshot.total_supply)
    proposal.save(update_fields=["snapshot_total_supply", "updated_at"])
    logger.warning(
        "proposal %s: the snapshot of block %s changed after a reorg (total %s -> %s); "
        "%s votes repriced, %s no longer counted",
        proposal.pk,
        proposal.snapshot_block,
        previous,
        proposal.snapshot_total_supply,
        repriced,
        uncounted,
    )
    audit_record(
        subject=proposal,
        action="snapshot_retaken",
        data={
            "block": proposal.snapshot_block,
            "block_hash": snapshot.block_hash,
            "total_supply": str(proposal.snapshot_total_supply),
            "previous_total_supply": str(previous),
            "repriced": repriced,
            "uncounted": uncounted,
        },
    )


def proposals_advance(*, now: datetime | None = None) -> dict[str, int]:
    """Move due proposals: pending → active (snapshot stored), active → closed (ended).

    Idempotent and safe to run concurrently: each step locks its row and rechecks the state.
    """
    now = now or timezone.now()
    moved = {"activated": 0, "closed": 0}
    pending = Proposal.objects.filter(state=S.PENDING).values_list(
        "pk", "snapshot_block", "published_at"
    )
    for pk, block, published_at in pending:
        if proposal_activate(proposal_id=pk, now=now).state == S.ACTIVE:
            moved["activated"] += 1
        # A pending proposal is published: it has both (the test keeps mypy told so).
        elif published_at and block is not None and now - published_at > SNAPSHOT_RETRY_AFTER:
            # The snapshot task was lost or failed: ask again, at most once a minute per block
            # (take_snapshot is idempotent).
            if cache.add(f"proposals:snapshot-retry:{block}", 1, SNAPSHOT_RETRY_AFTER.seconds):
                power.enqueue_snapshot(block)
    due = Proposal.objects.filter(state=S.ACTIVE, ends_at__lte=now).values_list("pk", flat=True)
    for pk in due:
        try:
            closed = proposal_close(proposal_id=pk, now=now)
        except ApplicationError as exc:
            if exc.status < 500:
                raise
            # The snapshot can't be re-checked now (chain down): close on a later beat.
            logger.warning("proposal %s: close postponed: %s", pk, exc.message)
            continue
        if closed.state != S.ACTIVE:
            moved["closed"] += 1
    return moved
