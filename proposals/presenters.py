"""Plain-dict views of proposals and receipts, shared by the API and the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jctgov.core import parameters as registry
from jctgov.core.markdown import render_markdown
from jctgov.core.units import format_tokens
from proposals import caching, selectors
from proposals.domain import (
    executor_configured,
    grace_deadline,
    proposal_content_of,
    vote_domain,
    vote_message,
)
from proposals.eip712 import typed_data
from proposals.models import Proposal, ProposalKind, ProposalState, Vote
from proposals.results import results

EXECUTION_STATES = (
    ProposalState.SUCCEEDED,
    ProposalState.QUEUED,
    ProposalState.EXECUTED,
    ProposalState.FAILED,
    ProposalState.EXPIRED,
)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _str(value) -> str | None:
    return None if value is None else str(int(value))


def parameter_changes(proposal: Proposal) -> list[dict[str, Any]]:
    """Each change as old → new with bounds (old = the value in force now)."""
    if proposal.kind != ProposalKind.PARAMETERS:
        return []
    values = registry.current_values()
    # Once executed, "before" is the value in force just before the execution (recorded then;
    # None on proposals executed before it was kept) and "new" the value it set.
    executed = proposal.state == ProposalState.EXECUTED
    before = proposal.parameters_before or {}
    rows = []
    for change in proposal.payload.get("changes", []):
        param = registry.REGISTRY.get(change["key"])
        if param is None:
            continue
        rows.append(
            {
                "key": param.key,
                "kind": param.kind,
                "unit": param.unit,
                "description": param.description,
                "min": str(param.min),
                "max": str(param.max),
                "current": str(values[param.key]),
                "new": str(change["value"]),
                "executed": executed,
                "before": before.get(param.key) if executed else None,
            }
        )
    return rows


def proposal_detail_data(proposal: Proposal) -> dict[str, Any]:
    return {**proposal_content_data(proposal), "tally": tally_data(proposal)}


def tally_data(proposal: Proposal) -> dict[str, Any] | None:
    return selectors.proposal_tally(proposal).as_dict() if proposal.uid else None


def proposal_content_data(proposal: Proposal) -> dict[str, Any]:
    """Everything but the tally: changes only when the proposal or a parameter value does."""
    return {
        "id": proposal.pk,
        "uid": proposal.uid,
        "kind": proposal.kind,
        "title": proposal.title,
        "body": proposal.body,
        "body_html": render_markdown(proposal.body),
        "discussion_url": proposal.discussion_url,
        "payload": proposal.payload,
        "parameter_changes": parameter_changes(proposal),
        "author": proposal.author.address,
        "state": proposal.state,
        "chain_id": proposal.chain_id,
        "verifying_contract": proposal.verifying_contract or None,
        "snapshot_block": proposal.snapshot_block,
        "quorum_bps": proposal.quorum_bps,
        "voting_period_s": proposal.voting_period_s,
        "proposal_threshold": _str(proposal.proposal_threshold),
        "published_at": _iso(proposal.published_at),
        "starts_at": _iso(proposal.starts_at),
        "ends_at": _iso(proposal.ends_at),
        "closed_at": _iso(proposal.closed_at),
        "cancel_reason": proposal.cancel_reason,
        "created_at": _iso(proposal.created_at),
        "execution": execution_data(proposal),
        # What the uid hashes (canonical JSON, keys sorted): anyone can recompute it.
        "content": proposal_content_of(proposal) if proposal.uid else None,
    }


def proposal_operations(proposal: Proposal) -> list[dict[str, Any]]:
    """The proposal's Safe transactions and timelock calls, newest last (one query + one for
    the signatures)."""
    from jctgov.chain.models import ChainOperation
    from jctgov.chain.presenters import operation_data

    rows = ChainOperation.objects.filter(
        subject_type="proposals.proposal", subject_id=proposal.pk
    ).prefetch_related("signatures")
    return [operation_data(op) for op in rows]


def execution_data(proposal: Proposal) -> dict[str, Any] | None:
    """The execution timeline: the stewards' signatures (k of M), timelock schedule, ready
    time, execution or failure, and a pending cancellation."""
    if proposal.state not in EXECUTION_STATES and not proposal.approved_at:
        return None
    operations = proposal_operations(proposal)
    live = {
        op["kind"]: op
        for op in operations
        if op["state"] in ("collecting", "ready", "sending", "done")
    }
    rebuilt = [op for op in operations if op["state"] == "superseded"]
    waiting = (
        proposal.state == ProposalState.SUCCEEDED
        and proposal.approved_at is not None
        and not executor_configured()
    )
    return {
        "approved_by": proposal.approved_by.address if proposal.approved_by_id else None,  # type: ignore[union-attr]
        "approved_at": _iso(proposal.approved_at),
        "grace_deadline": _iso(grace_deadline(proposal))
        if proposal.state == ProposalState.SUCCEEDED
        else None,
        "waiting_for_executor": waiting,
        "operation_id": proposal.operation_id or None,
        "delay_s": proposal.execution_delay_s,
        "schedule_tx": proposal.schedule_tx or None,
        "schedule_block": proposal.schedule_block,
        "queued_at": _iso(proposal.queued_at),
        "ready_at": _iso(proposal.ready_at),
        "execute_tx": proposal.execute_tx or None,
        "execute_block": proposal.execute_block,
        "executed_at": _iso(proposal.executed_at),
        "cancel_tx": proposal.cancel_tx or None,
        "retrying": proposal.state in (ProposalState.SUCCEEDED, ProposalState.QUEUED)
        and proposal.failure_code == "chain_unavailable",
        "failure_code": proposal.failure_code or None,
        "failure_reason": proposal.failure_reason or None,
        "approval": live.get("schedule"),
        "cancellation": live.get("cancel") if proposal.state != ProposalState.CANCELLED else None,
        "rebuilt_reason": live["schedule"]["rebuilt_reason"]
        if "schedule" in live and live["schedule"]["state"] == "collecting"
        else (rebuilt[-1]["rebuilt_reason"] if rebuilt and "schedule" not in live else ""),
    }


def proposal_detail_cached(proposal: Proposal) -> dict[str, Any]:
    """proposal_detail_data from the cache (proposals/caching.py): the content until the
    proposal or a parameter value changes, the tally until a vote arrives. ``proposal`` comes
    from ``selectors.proposal_with_versions``."""
    content = caching.cached(
        caching.key("content", caching.content_version(proposal)),
        lambda: proposal_content_data(proposal),
    )
    tally = caching.cached(
        caching.key("tally", caching.proposal_version(proposal)), lambda: tally_data(proposal)
    )
    return {**content, "tally": tally}


def vote_data(
    vote: Vote, proposal: Proposal, delegated_from: dict[str, list[dict]] | None = None
) -> dict[str, Any]:
    """A receipt. ``delegated_from`` is ``selectors.delegators_counted`` for a page of
    receipts (one query); without it, the vote's own delegators are read when it has any."""
    if delegated_from is None:
        delegated_from = (
            selectors.delegators_counted(proposal, [vote.voter])
            if vote.counted and vote.delegators
            else {}
        )
    message = vote_message(
        proposal, voter=vote.voter, choice=vote.choice, reason=vote.reason, timestamp=vote.timestamp
    )
    return {
        "id": vote.digest,
        "proposal": proposal.pk,
        "voter": vote.voter,
        "choice": vote.choice,
        "choice_label": vote.get_choice_display(),
        "reason": vote.reason,
        "timestamp": vote.timestamp,
        "power": str(int(vote.power)),
        "delegated_power": str(int(vote.delegated_power)),
        "delegators": vote.delegators,
        "delegated_from": delegated_from.get(vote.voter, []) if vote.counted else [],
        "total_power": str(int(vote.power) + int(vote.delegated_power)),
        "signature": vote.signature,
        "counted": vote.counted,
        "received_at": _iso(vote.received_at),
        "typed_data": typed_data(vote_domain(proposal), message),
    }


def results_data(proposal: Proposal, tally: dict[str, Any] | None) -> dict[str, Any] | None:
    """The results card (proposals.results) of a published proposal's tally."""
    if tally is None:
        return None
    taken = proposal.snapshot_total_supply is not None
    return results(tally, state=proposal.state, snapshot_taken=taken)


def vote_eligibility(
    proposal: Proposal, power: dict[str, Any] | None, *, now: datetime
) -> dict[str, Any]:
    """Can this wallet vote, and why not, before it signs anything. The same rules as
    ``services.votes`` (and static/js/proposal_detail.js for a wallet not signed in): the
    proposal active and its window open, and own veJCT at the snapshot block or delegators."""
    if proposal.state == ProposalState.PENDING:
        return _eligibility(False, "Voting opens once the snapshot of voting power is stored.")
    if proposal.state != ProposalState.ACTIVE or (proposal.ends_at and now >= proposal.ends_at):
        return _eligibility(False, "Voting has closed.")
    if power is None:
        return _eligibility(False, "Your voting power at the snapshot is not known yet.")
    if power["power"] <= 0 and not power["delegators_total"]:
        return _eligibility(
            False,
            f"You can't vote on this proposal: this wallet had no veJCT at snapshot block "
            f"{power['snapshot_block']} and nobody had delegated to it.",
        )
    weight = format_tokens(power["power"] + power["delegated_power"])
    text = f"You can vote with {weight} veJCT."
    if power["delegate"]:
        text += " Your own veJCT then counts with your vote, not your delegate's."
    return _eligibility(True, text)


def _eligibility(can_vote: bool, text: str) -> dict[str, Any]:
    return {"can_vote": can_vote, "text": text, "tone": "ok" if can_vote else "bad"}
