"""Proposal pages. Reads only: writes go through the API from static/js/proposals.js."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from jctgov.chain import client as chain_client
from jctgov.core import parameters as registry
from jctgov.core.errors import ApplicationError
from jctgov.core.pagination import paginate
from jctgov.core.states import can
from jctgov.market.previews import proposal_replay_preview
from proposals import caching, selectors
from proposals.executions import executions_audit
from proposals.models import Proposal, ProposalKind, ProposalState
from proposals.presenters import proposal_detail_cached, results_data, vote_eligibility

STATE_FILTERS = [("", "All but drafts, cancelled")] + [
    (value, "My drafts" if value == ProposalState.DRAFT else label)
    for value, label in ProposalState.choices
]


def _list_version(request) -> str:
    """The list's version, read once per request (the visitor cache and the view share it)."""
    if not hasattr(request, "_proposals_list_version"):
        request._proposals_list_version = caching.list_version()
    return request._proposals_list_version


def _versioned_proposal(request, proposal_id: int) -> Proposal | None:
    """The proposal with its cache versions, read once per request."""
    if not hasattr(request, "_versioned_proposal"):
        request._versioned_proposal = (
            selectors.visible_proposals(request.user, selectors.proposal_with_versions())
            .filter(pk=proposal_id)
            .first()
        )
    return request._versioned_proposal


def _detail_version(request, proposal_id: int) -> str | None:
    proposal = _versioned_proposal(request, proposal_id)
    return caching.proposal_version(proposal) if proposal else None


@caching.whole_page_for_visitors(_list_version)
def proposal_list(request):
    """The list with its filters, all in the query string (shareable, works without JS)."""
    state, kind = request.GET.get("state", ""), request.GET.get("kind", "")
    state = state if state in ProposalState.values else ""
    kind = kind if kind in ProposalKind.values else ""
    states = [state] if state else []
    try:
        search, search_error = selectors.list_search(request.GET), None
    except ApplicationError as exc:
        search, search_error = {"q": request.GET.get("q", "").strip(), "author": ""}, exc
    viewer = selectors.list_viewer_key(states, request.user)
    page = request.GET.get("page", "")
    key = caching.key(
        "list-page", _list_version(request), state, kind, viewer, page, *search.values()
    )
    table = (
        render_to_string("proposals/_list_table.html", {"rows": []})
        if search_error
        else caching.cached(
            key,
            lambda: render_to_string(
                "proposals/_list_table.html",
                paginate(
                    request,
                    selectors.proposal_list(
                        state=states, kind=kind or None, viewer=request.user, **search
                    ),
                    keep=("state", "kind", *selectors.LIST_SEARCH_PARAMS),
                ),
            ),
        )
    )
    filtered = bool(state or kind or any(search.values()))
    return render(
        request,
        "proposals/list.html",
        {
            "table": mark_safe(table),  # our own template's output, escaped when rendered
            "state": state,
            "kind": kind,
            "q": search["q"],
            "author": search["author"] or request.GET.get("author", "").strip(),
            "author_error": search_error.message if search_error else "",
            "filtered": filtered,
            "states": STATE_FILTERS,
            "kinds": [("", "All kinds")] + list(ProposalKind.choices),
        },
    )


@caching.whole_page_for_visitors(_detail_version)
def proposal_detail(request, proposal_id: int):
    proposal = _versioned_proposal(request, proposal_id)
    if proposal is None:
        raise Http404("No such proposal.")
    data = proposal_detail_cached(proposal)
    my_vote = my_power = eligibility = None
    if request.user.is_authenticated and proposal.uid:
        my_vote = selectors.vote_of(proposal, request.user.address)
        my_power = selectors.voting_power_of(proposal, request.user.address)
        eligibility = vote_eligibility(proposal, my_power, now=timezone.now())
    voters = caching.cached(
        caching.key("top-voters", caching.proposal_version(proposal)),
        lambda: (selectors.top_voters(proposal), selectors.counted_votes(proposal)),
    )
    receipts = caching.cached(
        caching.key("receipts", caching.proposal_version(proposal)),
        lambda: render_to_string(
            "proposals/_receipts.html",
            {
                "proposal": proposal,
                "receipts": selectors.vote_receipts(proposal)
                .order_by("-id")
                .only(
                    "voter",
                    "choice",
                    "power",
                    "delegated_power",
                    "delegators",
                    "reason",
                    "timestamp",
                    "counted",
                )[:100],
            },
        ),
    )
    return render(
        request,
        "proposals/detail.html",
        {
            "proposal": proposal,
            "data": data,
            "tally": data["tally"],
            "my_vote": my_vote,
            "my_power": my_power,
            "eligibility": eligibility,
            "results": results_data(proposal, data["tally"]),
            "top_voters": voters[0],
            "counted_votes": voters[1],
            "receipts_html": mark_safe(receipts),  # our own template's output, escaped
            "market_replay": proposal_replay_preview(proposal),
            "is_author": request.user == proposal.author,
            "steward_can_cancel": getattr(request.user, "is_steward", False)
            and can(proposal, "steward_cancel", "cancel_operation"),
        },
    )


def parameter_list(request):
    """Every parameter in force, its bounds and where the value comes from."""
    return render(request, "proposals/parameters.html", {"parameters": registry.parameter_rows()})


def parameter_detail(request, key: str):
    """One parameter; says "chain value out of range" (with the raw value) when the chain
    holds a value outside the bounds, which is never used."""
    row = next((p for p in registry.parameter_rows() if p["key"] == key), None)
    if row is None:
        raise Http404("No such parameter.")
    return render(request, "proposals/parameter_detail.html", {"p": row})


@login_required
def proposal_form(request, proposal_id: int | None = None):
    proposal = None
    if proposal_id is not None:
        proposal = get_object_or_404(Proposal, pk=proposal_id)
        if proposal.author_id != request.user.pk or not can(proposal, "edit"):
            raise Http404("Only the author can edit a draft.")
    kind = proposal.kind if proposal else request.GET.get("kind", ProposalKind.PARAMETERS)
    if kind not in ProposalKind.values:
        kind = ProposalKind.PARAMETERS
    # Numbers as strings: token bounds reach 10^27 wei, beyond a JS number's exact range.
    rows = registry.parameter_rows()
    params = [
        {**row, **{k: str(row[k]) for k in ("min", "max", "default", "current")}} for row in rows
    ]
    threshold = next(r["current"] for r in rows if r["key"] == "governance.proposal_threshold")
    return render(
        request,
        "proposals/form.html",
        {
            "proposal": proposal,
            "kind": kind,
            "kinds": ProposalKind.choices,
            "parameters": params,
            "threshold": threshold,
            "initial": {
                "id": proposal.pk if proposal else None,
                "kind": kind,
                "title": proposal.title if proposal else "",
                "body": proposal.body if proposal else "",
                "discussion_url": proposal.discussion_url if proposal else "",
                "payload": proposal.payload if proposal else None,
            },
        },
    )


EXECUTIONS_PER_PAGE = 50


def executions(request):
    """Public audit: every operation on chain and what it matched (verify_executions' rows),
    newest first. Built once per head block (reading the chain and re-verifying tallies)."""
    try:
        head = chain_client.head_block()
        report = caching.cached(
            caching.key("executions-audit", head), lambda: executions_audit(to_block=head)
        )
    except ApplicationError as exc:
        return render(request, "proposals/executions.html", {"error": exc.message}, status=503)
    page = Paginator(report.rows[::-1], EXECUTIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "proposals/executions.html",
        {
            "page": page,
            "total": len(report.rows),
            "unmatched": len(report.unmatched),
            "from_block": report.from_block,
            "to_block": report.to_block,
        },
    )
