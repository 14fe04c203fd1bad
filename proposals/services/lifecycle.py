"""The proposal lifecycle by people: draft, edit, publish, cancel. (The beat's activate and
close: ``voting_period``.)

Every transition locks the proposal row (``jctgov.core.db.locked``), checks the current state
against ``Proposal.TRANSITIONS``, changes it, writes an audit event and schedules follow-up work
to run after commit (the task base's rule). A second call on a proposal already moved finds the
state changed and refuses.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jctgov.core.db import lock_wallet
from jctgov.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from jctgov.core.parameters import current_values
from jctgov.core.services import audit_record
from jctgov.core.transitions import require, transition
from jctgov.core.units import exact_tokens
from jctgov.notify.services import emit
from jctgov.wallets.models import User
from proposals import power, selectors
from proposals.canonical import content_uid
from proposals.domain import proposal_content_of
from proposals.models import OPEN_STATES, Proposal, ProposalState
from proposals.payloads import validate_payload
from proposals.services.execution import proposal_cancel_operation
from proposals.services.rows import proposal_get, proposal_locked

S = ProposalState
MAX_CANCEL_REASON = 2_000


def _apply_content(proposal: Proposal, fields: dict[str, Any]) -> None:
    for name in ("title", "body", "discussion_url"):
        if name in fields and fields[name] is not None:
            setattr(proposal, name, fields[name].strip() if name != "body" else fields[name])
    if "payload" in fields:
        proposal.payload = validate_payload(proposal.kind, fields["payload"])


def proposal_create_draft(
    *,
    author: User,
    kind: str,
    title: str,
    body: str = "",
    discussion_url: str = "",
    payload: Any,
) -> Proposal:
    """Create a draft; the payload is validated and stored in canonical form. Atomic.

    A wallet holds at most ``JCTGOV_MAX_DRAFTS_PER_WALLET`` drafts at once (409
    ``too_many_drafts``; publishing or cancelling one frees a place): the author's row is
    locked while counting, so concurrent requests can't overshoot the cap."""
    proposal = Proposal(author=author, kind=kind, state=S.DRAFT)
    if kind not in dict(Proposal._meta.get_field("kind").choices):  # type: ignore[arg-type]
        raise ApplicationError(
            f"Unknown proposal kind {kind!r}.", code="invalid_kind", field="kind"
        )
    _apply_content(
        proposal,
        {"title": title, "body": body, "discussion_url": discussion_url, "payload": payload},
    )
    with transaction.atomic():
        proposal.full_clean()
        lock_wallet(author)
        limit = settings.JCTGOV_MAX_DRAFTS_PER_WALLET
        if Proposal.objects.filter(author=author, state=S.DRAFT).count() >= limit:
            raise Conflict(
                f"You already have {limit} drafts: publish or cancel one first.",
                code="too_many_drafts",
                extra={"limit": limit},
            )
        proposal.save()
        audit_record(subject=proposal, action="created", actor=author, to_state=S.DRAFT)
    return proposal


def proposal_update_draft(*, proposal_id: int, actor: User, **fields: Any) -> Proposal:
    """Edit a draft's title, body, discussion URL or payload. Only its author, only as a draft."""
    with transaction.atomic():
        proposal = proposal_locked(proposal_id)
        if proposal.author_id != actor.pk:
            _not_found_if_hidden(proposal, actor)
            raise Forbidden("Only the author can edit a draft.", code="not_author")
        require(proposal, "edit")
        _apply_content(proposal, fields)
        proposal.full_clean()
        proposal.save()
        audit_record(
            subject=proposal, action="edited", actor=actor, data={"fields": sorted(fields)}
        )
    return proposal


def proposal_publish(*, proposal_id: int, actor: User, now: datetime | None = None) -> Proposal:
    """Publish a draft: fix uid, snapshot block and voting window; enqueue the snapshot.

    Needs ``governance.proposal_threshold`` veJCT now and fewer than
    ``governance.max_active_per_author`` pending/active proposals. The author's row is locked so
    two concurrent publishes can't both slip under the limit. Atomic.
    """
    now = now or timezone.now()
    rules = current_values()
    _check_publishable(proposal_get(proposal_id), actor)
    # Chain reads happen before any row lock is taken: an RPC stall must not block voters.
    threshold = rules["governance.proposal_threshold"]
    author_power = power.vejct_balance(actor.address)
    head = power.head_block()
    escrow = power.voting_escrow_address()
    with transaction.atomic():
        lock_wallet(actor)
        proposal = proposal_locked(proposal_id)
        _check_publishable(proposal, actor)
        # Re-validate: the registry's bounds may have changed since the draft was saved.
        proposal.payload = validate_payload(proposal.kind, proposal.payload)
        limit = rules["governance.max_active_per_author"]
        active = Proposal.objects.filter(author_id=actor.pk, state__in=OPEN_STATES).count()
        if active >= limit:
            raise Conflict(
                f"You already have {active} pending or active proposals (the limit is {limit}).",
                code="too_many_active_proposals",
            )
        if author_power < threshold:
            raise Forbidden(
                f"Publishing needs {exact_tokens(threshold)} veJCT; this wallet has "
                f"{exact_tokens(author_power)} veJCT.",
                code="below_proposal_threshold",
                extra={"threshold": str(threshold), "power": str(author_power)},
            )
        proposal.snapshot_block = max(head - rules["governance.snapshot_confirmations"], 0)
        proposal.chain_id = power.chain_id()
        proposal.verifying_contract = escrow
        proposal.uid = content_uid(proposal_content_of(proposal))
        proposal.quorum_bps = rules["governance.quorum_bps"]
        proposal.voting_period_s = rules["governance.voting_period_s"]
        proposal.proposal_threshold = threshold
        proposal.author_power = author_power
        # Whole seconds: votes carry uint64 Unix timestamps, compared against this window.
        proposal.published_at = proposal.starts_at = now.replace(microsecond=0)
        proposal.ends_at = proposal.starts_at + timedelta(seconds=proposal.voting_period_s)
        transition(
            proposal,
            "publish",
            actor=actor,
            clean=True,
            data={"uid": proposal.uid, "snapshot_block": proposal.snapshot_block},
        )
        emit("proposal.published", subject=proposal)
        power.enqueue_snapshot(proposal.snapshot_block)  # sent once this commits
    return proposal


def _not_found_if_hidden(proposal: Proposal, actor: User) -> None:
    """Someone else's draft is answered like a missing proposal (selectors.hidden_from)."""
    if selectors.hidden_from(proposal, actor):
        raise NotFound("No such proposal.", code="proposal_not_found")


def _check_publishable(proposal: Proposal, actor: User) -> None:
    if proposal.author_id != actor.pk:
        _not_found_if_hidden(proposal, actor)
        raise Forbidden("Only the author can publish a proposal.", code="not_author")
    require(proposal, "publish")


def proposal_cancel(
    *, proposal_id: int, actor: User, reason: str = "", now: datetime | None = None
) -> Proposal:
    """Cancel: the author while draft or pending; a steward any time before executed, with a
    reason (someone else's draft is hidden from stewards too: 404, as a missing id). A queued
    (or failed) proposal's timelock operation is cancelled on chain too
    (``execution.proposal_cancel_operation``); a step a worker is sending answers 409."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if len(reason) > MAX_CANCEL_REASON:
        raise ApplicationError(
            f"At most {MAX_CANCEL_REASON} characters.", code="reason_too_long", field="reason"
        )
    if actor.is_steward and not reason:
        raise ApplicationError(
            "Stewards must give a reason.", code="reason_required", field="reason"
        )
    current = proposal_get(proposal_id)
    if actor.is_steward and (current.state == S.QUEUED or current.operation_id):
        return proposal_cancel_operation(
            proposal_id=proposal_id, actor=actor, reason=reason, now=now
        )
    with transaction.atomic():
        proposal = proposal_locked(proposal_id)
        _not_found_if_hidden(proposal, actor)  # someone else's draft, a steward's view too
        if actor.is_steward:
            action = "steward_cancel"
            require(proposal, action)
            if proposal.execution_claim_live(now):
                raise Conflict(
                    "A worker is scheduling this proposal; try again in a moment.",
                    code="execution_in_progress",
                )
        elif proposal.author_id == actor.pk:
            action = "cancel"
        else:
            raise Forbidden("Only the author or a steward can cancel.", code="not_allowed")
        return transition(
            proposal,
            action,
            actor=actor,
            data={"reason": reason},
            cancel_reason=reason,
            cancelled_by=actor,
            cancelled_at=now,
        )
