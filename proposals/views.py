"""Proposal pages. Reads only: writes go through the API from static/js/proposals.js."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from jctgov.core import parameters as registry
from proposals import selectors
from proposals.models import Proposal, ProposalKind, ProposalState
from proposals.presenters import proposal_detail_data

STEWARD_CANCELLABLE = {"draft", "pending", "active", "succeeded", "failed"}
STATE_FILTERS = [("", "All")] + list(ProposalState.choices)


def proposal_list(request):
    state, kind = request.GET.get("state", ""), request.GET.get("kind", "")
    proposals = selectors.proposal_list(state=[state] if state else (), kind=kind or None)[:200]
    return render(
        request,
        "proposals/list.html",
        {
            "proposals": proposals,
            "state": state,
            "kind": kind,
            "states": STATE_FILTERS,
            "kinds": [("", "All kinds")] + list(ProposalKind.choices),
        },
    )


def proposal_detail(request, proposal_id: int):
    proposal = get_object_or_404(Proposal.objects.select_related("author"), pk=proposal_id)
    data = proposal_detail_data(proposal)
    my_vote = None
    if request.user.is_authenticated and proposal.uid:
        my_vote = selectors.vote_of(proposal, request.user.address)
    receipts = selectors.vote_receipts(proposal).order_by("-id")[:100]
    return render(
        request,
        "proposals/detail.html",
        {
            "proposal": proposal,
            "data": data,
            "tally": data["tally"],
            "my_vote": my_vote,
            "receipts": receipts,
            "is_author": request.user == proposal.author,
            "steward_can_cancel": getattr(request.user, "is_steward", False)
            and proposal.state in STEWARD_CANCELLABLE,
        },
    )


@login_required
def proposal_form(request, proposal_id: int | None = None):
    proposal = None
    if proposal_id is not None:
        proposal = get_object_or_404(Proposal, pk=proposal_id)
        if proposal.author_id != request.user.pk or proposal.state != ProposalState.DRAFT:
            raise Http404("Only the author can edit a draft.")
    kind = proposal.kind if proposal else request.GET.get("kind", ProposalKind.PARAMETERS)
    if kind not in ProposalKind.values:
        kind = ProposalKind.PARAMETERS
    values = registry.current_values()
    params = [{**p.as_dict(), "current": values[p.key]} for p in registry.REGISTRY.values()]
    return render(
        request,
        "proposals/form.html",
        {
            "proposal": proposal,
            "kind": kind,
            "kinds": ProposalKind.choices,
            "parameters": params,
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
