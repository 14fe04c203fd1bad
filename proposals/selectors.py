"""Reads of the proposals app: lists, the live tally (one SQL aggregate), receipts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from jctgov.chain.models import ParameterMirror, PowerSnapshot, PowerSnapshotEntry
from jctgov.core.addresses import address_any_case
from jctgov.core.db import fetch
from proposals.models import Proposal, ProposalState, Vote
from proposals.sums import combine_sums, exact_sums
from proposals.tally import Tally, tally_from_totals

# What the list shows without a state filter: neither drafts nor cancelled proposals (both stay
# reachable with ?state=…). Draft spam must not push published proposals off the list.
HIDDEN_BY_DEFAULT = (ProposalState.DRAFT, ProposalState.CANCELLED)


SEARCH_MAX = 200  # characters of a title/text search


def proposal_list(
    *,
    state: Sequence[str] = (),
    kind: str | None = None,
    viewer: Any = None,
    q: str = "",
    author: str = "",
) -> QuerySet[Proposal]:
    """Proposals, newest first, in any of the ``state`` states (all but drafts and cancelled
    ones if empty), of ``kind``, whose title or text contains ``q`` (any case), by ``author``
    (a checksummed address). Drafts are listed to their author (``viewer``) only."""
    qs = Proposal.objects.select_related("author")
    if state:
        qs = qs.filter(state__in=list(state))
    else:
        qs = qs.exclude(state__in=HIDDEN_BY_DEFAULT)
    if ProposalState.DRAFT in state:
        qs = qs.exclude(_hidden_from(viewer))
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q))
    if author:
        qs = qs.filter(author__address=author)
    return qs


def _hidden_from(viewer: Any) -> Q:
    """What ``viewer`` may not open: other people's drafts (every draft for a visitor)."""
    if getattr(viewer, "is_authenticated", False):
        return Q(state=ProposalState.DRAFT) & ~Q(author_id=viewer.pk)
    return Q(state=ProposalState.DRAFT)


def visible_proposals(viewer: Any, qs: QuerySet[Proposal] | None = None) -> QuerySet[Proposal]:
    """The proposals ``viewer`` may open (pages and API alike): a draft is its author's alone;
    to anyone else it answers 404 like a missing proposal, so its id reveals nothing."""
    qs = Proposal.objects.select_related("author") if qs is None else qs
    return qs.exclude(_hidden_from(viewer))


def hidden_from(proposal: Proposal, viewer: Any) -> bool:
    """``visible_proposals`` for one loaded proposal: is it someone else's draft? Services
    answer 404 then, as for a missing id, instead of a 403 that would tell the draft exists."""
    mine = getattr(viewer, "is_authenticated", False) and proposal.author_id == viewer.pk
    return proposal.state == ProposalState.DRAFT and not mine


LIST_SEARCH_PARAMS = ("q", "author")


def list_search(params: Any) -> dict[str, str]:
    """The search part of a list query (``?q=…&author=…``) as ``proposal_list`` arguments:
    ``q`` trimmed (at most SEARCH_MAX characters), ``author`` checksummed from any case.
    ApplicationError ``invalid_address`` (400, field ``author``) for an author that is not an
    address; the pages and the API share it."""
    q = str(params.get("q", "") or "").strip()[:SEARCH_MAX]
    author = str(params.get("author", "") or "").strip()
    return {"q": q, "author": address_any_case(author, field="author") if author else ""}


def list_viewer_key(state: Sequence[str] | str, viewer: Any) -> str:
    """The part of a cached list's key that depends on who asks: only a list of drafts does."""
    if ProposalState.DRAFT in state and getattr(viewer, "is_authenticated", False):
        return str(viewer.pk)
    return ""


def proposal_with_versions(qs: QuerySet[Proposal] | None = None) -> QuerySet[Proposal]:
    """Proposals annotated with what proposals/caching.py keys a detail copy on, in the same
    query: the newest vote id and the newest mirrored parameter block."""
    qs = Proposal.objects.select_related("author") if qs is None else qs
    newest_vote = Vote.objects.filter(proposal=OuterRef("pk")).order_by("-id").values("id")[:1]
    newest_param = ParameterMirror.objects.order_by("-block_number").values("block_number")[:1]
    return qs.annotate(last_vote_id=Subquery(newest_vote), params_block=Subquery(newest_param))


WEIGHT_COLUMNS = ["power", "delegated_power"]  # a counted vote weighs its own + delegated veJCT


def vote_totals(proposal: Proposal) -> dict[int, int]:
    """{choice: summed own + delegated power} of the counted votes, computed by the database."""
    sums = exact_sums(WEIGHT_COLUMNS, Vote._meta.db_table, connection.vendor)
    rows = (
        Vote.objects.filter(proposal=proposal, counted=True)
        .order_by()
        .values("choice")
        .annotate(**sums)
    )
    return {row["choice"]: combine_sums(row, WEIGHT_COLUMNS) for row in rows}


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


def delegators_counted(proposal: Proposal, voters: Iterable[str]) -> dict[str, list[dict]]:
    """{voter: [{"address", "power"}]}: the delegators whose veJCT each voter's counted vote
    carries (delegated to the voter at the snapshot block, no vote of their own). One query."""
    voters = sorted(set(voters))
    if not voters or proposal.snapshot_block is None:
        return {}
    own_vote = Vote.objects.filter(proposal=proposal, counted=True, voter=OuterRef("address"))
    rows = (
        PowerSnapshotEntry.objects.filter(
            snapshot__block_number=proposal.snapshot_block, delegate__in=voters
        )
        .exclude(Exists(own_vote))
        .order_by("delegate", "address")
        .values_list("delegate", "address", "power")
    )
    found: dict[str, list[dict]] = {}
    for delegate, address, power in rows:
        found.setdefault(delegate, []).append({"address": address, "power": str(int(power))})
    return found


def voting_power_of(proposal: Proposal, address: str) -> dict | None:
    """``address``'s power on the proposal, from its stored snapshot (None while it is being
    taken): own veJCT, whom they had delegated to, and the veJCT delegated to them — all of it,
    and what their vote carries now (the delegators who have not voted themselves)."""
    if proposal.snapshot_block is None:
        return None
    snapshot = PowerSnapshot.objects.filter(block_number=proposal.snapshot_block).first()
    if snapshot is None:
        return None
    entries = PowerSnapshotEntry.objects.filter(snapshot=snapshot)
    own = entries.filter(address=address).values_list("power", "delegate").first()
    delegators = list(
        entries.filter(delegate=address).order_by("address").values_list("address", "power")
    )
    voted = set(
        Vote.objects.filter(
            proposal=proposal, counted=True, voter__in=[a for a, _ in delegators]
        ).values_list("voter", flat=True)
    )
    carried = [(a, int(p)) for a, p in delegators if a not in voted]
    return {
        "address": address,
        "snapshot_block": proposal.snapshot_block,
        "power": int(own[0]) if own else 0,
        "delegate": (own[1] or None) if own else None,
        "delegated_power": sum(p for _, p in carried),
        "delegators": len(carried),
        "delegated_power_total": sum(int(p) for _, p in delegators),
        "delegators_total": len(delegators),
    }


def proposal_get(proposal_id: int) -> Proposal:
    """The proposal with its author, or NotFound (proposal_not_found). Never a draft: it has
    no votes, power or typed data, and its id must not tell it exists (``visible_proposals``)."""
    return fetch(visible_proposals(None), proposal_id, code="proposal_not_found", what="proposal")


def vote_receipts(
    proposal: Proposal, *, voter: str = "", counted_only: bool = False
) -> QuerySet[Vote]:
    """The proposal's receipts in order; only ``voter``'s (any case) and only the counted ones
    when asked."""
    qs = Vote.objects.filter(proposal=proposal).order_by("id")
    if voter:
        qs = qs.filter(voter__iexact=voter)
    if counted_only:
        qs = qs.filter(counted=True)
    return qs


def top_voters(proposal: Proposal, limit: int = 5) -> list[Vote]:
    """The counted votes carrying the most veJCT (own + delegated), heaviest first. On SQLite
    the database orders the text columns through floats: the order of near-equal weights may
    differ there, never the amounts shown (read exactly from the rows)."""
    weight = F("power") + F("delegated_power")
    rows = (
        Vote.objects.filter(proposal=proposal, counted=True)
        .order_by(weight.desc(), "id")
        .only("voter", "choice", "power", "delegated_power", "delegators")[:limit]
    )
    return sorted(rows, key=lambda v: -(int(v.power) + int(v.delegated_power)))


def counted_votes(proposal: Proposal) -> int:
    return Vote.objects.filter(proposal=proposal, counted=True).count()


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


def execution_console(*, now=None) -> dict[str, Any]:
    """The steward console: what awaits approval, what is queued (and ready), what failed."""
    from django.db.models import Q
    from django.utils import timezone

    from jctgov.core.parameters import current_value
    from proposals.domain import grace_deadline
    from proposals.models import ProposalState as S

    now = now or timezone.now()
    base = Proposal.objects.select_related("author", "approved_by").order_by("closed_at", "id")
    queued = list(base.filter(state=S.QUEUED))
    for proposal in queued:
        proposal.is_ready = proposal.ready_at is not None and proposal.ready_at <= now
    awaiting = list(base.filter(state=S.SUCCEEDED, approved_at__isnull=True))
    grace_s = current_value("governance.execution_grace_s")  # once for the whole list
    for proposal in awaiting:
        proposal.expires_at = grace_deadline(proposal, grace_s=grace_s)
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


# --- the home page: open proposals with their results, a wallet's to-do -------------------


def vote_totals_of(proposal_ids: Sequence[int]) -> dict[int, dict[int, int]]:
    """{proposal id: {choice: summed own + delegated power}} of the counted votes of several
    proposals, in one SQL aggregate (``vote_totals`` for a list)."""
    if not proposal_ids:
        return {}
    sums = exact_sums(WEIGHT_COLUMNS, Vote._meta.db_table, connection.vendor)
    rows = (
        Vote.objects.filter(proposal_id__in=list(proposal_ids), counted=True)
        .order_by()
        .values("proposal_id", "choice")
        .annotate(**sums)
    )
    found: dict[int, dict[int, int]] = {}
    for row in rows:
        found.setdefault(row["proposal_id"], {})[row["choice"]] = combine_sums(row, WEIGHT_COLUMNS)
    return found


def open_proposals(*, limit: int = 5) -> list[Proposal]:
    """Active proposals closing first, each with ``tally`` (the live count): two queries."""
    proposals = list(
        Proposal.objects.filter(state=ProposalState.ACTIVE).order_by("ends_at", "id")[:limit]
    )
    totals = vote_totals_of([p.pk for p in proposals])
    for proposal in proposals:
        proposal.tally = tally_from_totals(
            totals.get(proposal.pk, {}),
            total_supply=int(proposal.snapshot_total_supply or 0),
            quorum_bps=int(proposal.quorum_bps or 0),
        )
    return proposals


def open_not_voted_by(address: str, *, limit: int = 10) -> QuerySet[Proposal]:
    """Active proposals ``address`` has not voted on, closing first."""
    voted = Vote.objects.filter(proposal=OuterRef("pk"), voter=address)
    return (
        Proposal.objects.filter(state=ProposalState.ACTIVE)
        .exclude(Exists(voted))
        .order_by("ends_at", "id")[:limit]
    )


def drafts_of(user: Any, *, limit: int = 10) -> QuerySet[Proposal]:
    """The author's drafts, last edited first."""
    return Proposal.objects.filter(author=user, state=ProposalState.DRAFT).order_by(
        "-updated_at", "-id"
    )[:limit]
