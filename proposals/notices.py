"""Notices about proposals for the notification outbox (``jctgov.notify``): "voting closes
within 24 h" found by the beat, and "your delegate voted" after a counted vote. Each carries a
dedupe key, so a beat running twice (or two beats at once) emits it once.

The proposals app emits into the outbox; the outbox never reads proposals.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from jctgov.chain.delegation import delegators_at
from jctgov.chain.models import PowerSnapshotEntry
from jctgov.notify.models import Event
from jctgov.notify.services import emit
from proposals.models import Proposal, ProposalState, Vote

CLOSING_WINDOW = timedelta(hours=24)


def proposals_closing_soon(*, now: datetime | None = None) -> int:
    """Tell holders with power at the snapshot who have not voted that voting closes within
    24 hours. Once per proposal (dedupe key). Returns how many events were written."""
    now = now or timezone.now()
    due = Proposal.objects.filter(
        state=ProposalState.ACTIVE, ends_at__gt=now, ends_at__lte=now + CLOSING_WINDOW
    )
    written = 0
    for proposal in due:
        key = f"proposal.closing_soon:{proposal.pk}"
        if Event.objects.filter(dedupe_key=key).exists():
            continue
        holders = PowerSnapshotEntry.objects.filter(
            snapshot__block_number=proposal.published_snapshot_block,
            power__gt=0,
        ).values_list("address", flat=True)
        voted = set(Vote.objects.filter(proposal=proposal).values_list("voter", flat=True))
        with transaction.atomic():
            audience = [a for a in holders if a not in voted]
            if emit("proposal.closing_soon", subject=proposal, audience=audience, dedupe_key=key):
                written += 1
    return written


def delegate_voted(*, vote: Any) -> Event | None:
    """ "Your delegate voted", to the wallets that had delegated to the voter at the proposal's
    snapshot block. Call inside the vote's transaction, after a counted vote that carries
    delegators is stored. Once per signed vote (its digest is the dedupe key)."""
    delegators = delegators_at(vote.voter, vote.proposal.snapshot_block)
    voted = set(
        Vote.objects.filter(proposal_id=vote.proposal_id, voter__in=delegators).values_list(
            "voter", flat=True
        )
    )
    audience = [a for a in delegators if a not in voted]  # who voted themselves needs no notice
    return emit(
        "delegation.delegate_voted",
        subject=vote,
        audience=audience,
        dedupe_key=f"delegation.delegate_voted:{vote.digest}",
    )
