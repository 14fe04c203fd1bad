"""The proposal lifecycle: draft, publish, activate, close, cancel.

Every transition locks the proposal row (``select_for_update``), checks the current state,
changes it, writes an audit event and schedules follow-up work with ``transaction.on_commit``.
Each is idempotent in the sense that a second call on a proposal already moved finds the state
changed and refuses (or, for the beat's activate/close, returns without doing anything).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from jctgov.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from jctgov.core.parameters import current_values
from jctgov.core.services import audit_record
from jctgov.core.units import exact_tokens
from jctgov.notify.services import emit
from jctgov.wallets.models import User
from proposals import power
from proposals.canonical import content_uid, proposal_content
from proposals.models import OPEN_STATES, Proposal, ProposalState, Vote
from proposals.payloads import validate_payload
from proposals.selectors import proposal_tally
from proposals.tally import delegated_powers

logger = logging.getLogger(__name__)
S = ProposalState
MAX_CANCEL_REASON = 2_000
SNAPSHOT_RETRY_AFTER = timedelta(seconds=60)


def _locked(proposal_id: int) -> Proposal:
    try:
        return Proposal.objects.select_for_update().get(pk=proposal_id)
    except (Proposal.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such proposal.", code="proposal_not_found") from None


def _require_state(proposal: Proposal, *states: str, action: str) -> None:
    if proposal.state not in states:
        raise Conflict(
            f"Can't {action} a proposal that is {proposal.get_state_display().lower()}.",
            code="invalid_state",
            extra={"state": proposal.state},
        )


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
        User.objects.select_for_update().filter(pk=author.pk).first()
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
        proposal = _locked(proposal_id)
        if proposal.author_id != actor.pk:
            raise Forbidden("Only the author can edit a draft.", code="not_author")
        _require_state(proposal, S.DRAFT, action="edit")
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
    _check_publishable(_get(proposal_id), actor)
    # Chain reads happen before any row lock is taken: an RPC stall must not block voters.
    threshold = rules["governance.proposal_threshold"]
    author_power = power.vejct_balance(actor.address)
    head = power.head_block()
    escrow = power.voting_escrow_address()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()
        proposal = _locked(proposal_id)
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
        proposal.state = S.PENDING
        proposal.full_clean()
        proposal.save()
        audit_record(
            subject=proposal,
            action="published",
            actor=actor,
            from_state=S.DRAFT,
            to_state=S.PENDING,
            data={"uid": proposal.uid, "snapshot_block": proposal.snapshot_block},
        )
        emit("proposal.published", subject=proposal)
        block = proposal.snapshot_block
        transaction.on_commit(lambda: power.enqueue_snapshot(block))
    return proposal


def _get(proposal_id: int) -> Proposal:
    try:
        return Proposal.objects.get(pk=proposal_id)
    except (Proposal.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such proposal.", code="proposal_not_found") from None


def _check_publishable(proposal: Proposal, actor: User) -> None:
    if proposal.author_id != actor.pk:
        raise Forbidden("Only the author can publish a proposal.", code="not_author")
    _require_state(proposal, S.DRAFT, action="publish")


def proposal_content_of(proposal: Proposal) -> dict[str, Any]:
    """The canonical content the uid hashes (published proposals only)."""
    return proposal_content(
        proposal_id=proposal.pk,
        kind=proposal.kind,
        title=proposal.title,
        body=proposal.body,
        discussion_url=proposal.discussion_url,
        payload=proposal.payload,
        author=proposal.author.address,
        chain_id=int(proposal.chain_id or 0),
        verifying_contract=proposal.verifying_contract,
        snapshot_block=int(proposal.snapshot_block or 0),
    )


def proposal_activate(*, proposal_id: int, now: datetime | None = None) -> Proposal:
    """pending → active once the power snapshot of its block is stored. No-op otherwise."""
    with transaction.atomic():
        proposal = _locked(proposal_id)
        if proposal.state != S.PENDING:
            return proposal
        snapshot = power.snapshot_at(proposal.snapshot_block)  # type: ignore[arg-type]
        if snapshot is None:
            return proposal
        proposal.snapshot_total_supply = int(snapshot.total_supply)
        proposal.state = S.ACTIVE
        proposal.save(update_fields=["snapshot_total_supply", "state", "updated_at"])
        audit_record(
            subject=proposal,
            action="activated",
            from_state=S.PENDING,
            to_state=S.ACTIVE,
            data={"total_supply": str(proposal.snapshot_total_supply)},
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
        proposal = _locked(proposal_id)
        if proposal.state != S.ACTIVE or now < proposal.ends_at:  # type: ignore[operator]
            return proposal
        snapshot = power.snapshot_at(proposal.snapshot_block)  # type: ignore[arg-type]
        if snapshot is not None:
            _sync_with_snapshot(proposal, snapshot)
        tally = proposal_tally(proposal)
        proposal.for_power = tally.for_power
        proposal.against_power = tally.against_power
        proposal.abstain_power = tally.abstain_power
        proposal.closed_at = now
        proposal.state = tally.outcome
        proposal.save()
        audit_record(
            subject=proposal,
            action="closed",
            from_state=S.ACTIVE,
            to_state=proposal.state,
            data=tally.as_dict(),
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


def proposal_cancel(
    *, proposal_id: int, actor: User, reason: str = "", now: datetime | None = None
) -> Proposal:
    """Cancel: the author while draft or pending; a steward any time before executed, with a
    reason. A queued (or failed) proposal's timelock operation is cancelled on chain too
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
    current = _get(proposal_id)
    if actor.is_steward and (current.state == S.QUEUED or current.operation_id):
        from proposals.services.execution import proposal_cancel_operation

        return proposal_cancel_operation(
            proposal_id=proposal_id, actor=actor, reason=reason, now=now
        )
    with transaction.atomic():
        proposal = _locked(proposal_id)
        is_author = proposal.author_id == actor.pk
        if actor.is_steward:
            _require_state(
                proposal, S.DRAFT, S.PENDING, S.ACTIVE, S.SUCCEEDED, S.FAILED, action="cancel"
            )
            if proposal.execution_claim_live(now):
                raise Conflict(
                    "A worker is scheduling this proposal; try again in a moment.",
                    code="execution_in_progress",
                )
        elif is_author:
            _require_state(proposal, S.DRAFT, S.PENDING, action="cancel")
        else:
            raise Forbidden("Only the author or a steward can cancel.", code="not_allowed")
        previous = proposal.state
        proposal.state = S.CANCELLED
        proposal.cancel_reason = reason
        proposal.cancelled_by = actor
        proposal.cancelled_at = now
        proposal.save()
        audit_record(
            subject=proposal,
            action="cancelled",
            actor=actor,
            from_state=previous,
            to_state=S.CANCELLED,
            data={"reason": reason},
        )
    return proposal


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
        elif published_at and now - published_at > SNAPSHOT_RETRY_AFTER:
            # The snapshot task was lost or failed: ask again, at most once a minute per block
            # (take_snapshot is idempotent).
            if cache.add(f"proposals:snapshot-retry:{block}", 1, SNAPSHOT_RETRY_AFTER.seconds):
                power.enqueue_snapshot(block)  # type: ignore[arg-type]
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
