"""Reads of the proposals app: lists, the live tally (one SQL aggregate), receipts."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import QuerySet

from proposals.models import Proposal, Vote
from proposals.sums import combine_sum, exact_sum
from proposals.tally import Tally, tally_from_totals


def proposal_list(*, state: Sequence[str] = (), kind: str | None = None) -> QuerySet[Proposal]:
    """Proposals, newest first, in any of the ``state`` states (all if empty) and of ``kind``."""
    qs = Proposal.objects.select_related("author")
    if state:
        qs = qs.filter(state__in=list(state))
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def vote_totals(proposal: Proposal) -> dict[int, int]:
    """{choice: summed power} of the counted votes, computed by the database."""
    sums = exact_sum("power", Vote._meta.db_table, connection.vendor)
    rows = (
        Vote.objects.filter(proposal=proposal, counted=True)
        .order_by()
        .values("choice")
        .annotate(**sums)
    )
    return {row["choice"]: combine_sum(row) for row in rows}


def proposal_tally(proposal: Proposal) -> Tally:
    """The tally: stored totals once closed, the live SQL aggregate while voting."""
    if proposal.closed_at is not None and proposal.for_power is not None:
        totals = {
            1: int(proposal.for_power),
            2: int(proposal.against_power or 0),
            3: int(proposal.abstain_power or 0),
        }
    else:
        totals = vote_totals(proposal)
    return tally_from_totals(
        totals,
        total_supply=int(proposal.snapshot_total_supply or 0),
        quorum_bps=int(proposal.quorum_bps or 0),
    )


def vote_receipts(proposal: Proposal) -> QuerySet[Vote]:
    return Vote.objects.filter(proposal=proposal).order_by("id")


def vote_of(proposal: Proposal, voter: str) -> Vote | None:
    """The voter's counted vote, if any."""
    return Vote.objects.filter(proposal=proposal, voter=voter, counted=True).first()
