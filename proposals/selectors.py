"""Reads of the proposals app: lists, the live tally (one SQL aggregate), receipts."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery

from jctgov.chain.models import ParameterMirror
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


def proposal_with_versions(qs: QuerySet[Proposal] | None = None) -> QuerySet[Proposal]:
    """Proposals annotated with what proposals/caching.py keys a detail copy on, in the same
    query: the newest vote id and the newest mirrored parameter block."""
    qs = Proposal.objects.select_related("author") if qs is None else qs
    newest_vote = Vote.objects.filter(proposal=OuterRef("pk")).order_by("-id").values("id")[:1]
    newest_param = ParameterMirror.objects.order_by("-block_number").values("block_number")[:1]
    return qs.annotate(last_vote_id=Subquery(newest_vote), params_block=Subquery(newest_param))


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


def pending_safe_operations() -> list[dict[str, object]]:
    """Every Safe transaction still taking signatures (approvals, cancellations, payouts), with
    k of M and the decoded action: what a steward signs from the console."""
    from jctgov.chain.models import ChainOperation
    from jctgov.chain.presenters import operation_data

    rows = (
        ChainOperation.objects.filter(state__in=("collecting", "ready"))
        .exclude(safe="")
        .prefetch_related("signatures")
        .order_by("safe_nonce", "id")
    )
    return [
        {**operation_data(op), "link": _subject_link(op.subject_type, op.subject_id)} for op in rows
    ]


def _subject_link(subject_type: str, subject_id: int) -> str:
    if subject_type == "proposals.proposal":
        return f"/proposals/{subject_id}/"
    from grants.models import Milestone

    milestone = Milestone.objects.filter(pk=subject_id).only("application_id").first()
    return f"/grants/applications/{milestone.application_id}/" if milestone else ""


def execution_console(*, now=None) -> dict[str, object]:
    """The steward console: what awaits approval, what is queued (and ready), what failed."""
    from django.db.models import Q
    from django.utils import timezone

    from proposals.models import ProposalState as S

    now = now or timezone.now()
    base = Proposal.objects.select_related("author", "approved_by").order_by("closed_at", "id")
    queued = list(base.filter(state=S.QUEUED))
    for proposal in queued:
        proposal.is_ready = proposal.ready_at is not None and proposal.ready_at <= now
    awaiting = list(base.filter(state=S.SUCCEEDED, approved_at__isnull=True))
    return {
        "awaiting_approval": awaiting,
        "pending_signatures": pending_safe_operations(),
        "approved": base.filter(state=S.SUCCEEDED, approved_at__isnull=False),
        "queued": queued,
        "failed": base.filter(state=S.FAILED),
        "executed": base.filter(state=S.EXECUTED).order_by("-executed_at", "-id")[:20],
        "expired_or_cancelled": base.filter(
            Q(state=S.EXPIRED) | Q(state=S.CANCELLED, operation_id__gt="")
        ).order_by("-updated_at", "-id")[:20],
    }
