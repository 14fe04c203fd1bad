"""Steward actions on passed proposals, and the execution beat.

    succeeded --steward approves--> succeeded + approved --task: scheduleBatch--> queued
    queued --task, once the delay has passed: executeBatch--> executed | failed
    failed --steward retries--> queued (operation still on chain) | succeeded + approved
    succeeded, not queued within governance.execution_grace_s --> expired
    queued | failed --steward cancels (timelock cancel)--> cancelled

The chain steps themselves, and why they happen exactly once: ``timelock_steps``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jctgov.chain import client, timelock
from jctgov.chain.client import ChainError
from jctgov.chain.timelock import OperationState
from jctgov.core.errors import ApplicationError, Conflict, Forbidden
from jctgov.core.parameters import current_value
from jctgov.core.services import audit_record
from jctgov.notify.services import emit
from jctgov.wallets.models import User
from proposals.models import Proposal, ProposalState
from proposals.services.lifecycle import _get, _locked, _require_state
from proposals.services.timelock_steps import (
    _claim,
    _claim_free,
    _enqueue,
    _release,
    execution_transition,
)

S = ProposalState
OP = OperationState
BEAT_ENQUEUE_EVERY_S = 60


def grace_deadline(proposal: Proposal) -> datetime:
    """When a succeeded proposal that was never queued expires."""
    closed = proposal.closed_at or proposal.ends_at or proposal.updated_at
    return closed + timedelta(seconds=current_value("governance.execution_grace_s"))


def executor_configured() -> bool:
    """Is an executor key configured? (Without decrypting a keystore: pages call this.)"""
    return bool(settings.JCTGOV_EXECUTOR_KEY or settings.JCTGOV_EXECUTOR_KEYSTORE)


# --- steward actions ----------------------------------------------------------------------


def _require_steward(actor: User, what: str) -> None:
    if not getattr(actor, "is_steward", False):
        raise Forbidden(f"Only stewards {what}.", code="not_steward")


def proposal_approve(*, proposal_id: int, actor: User, now: datetime | None = None) -> Proposal:
    """A steward approves a succeeded proposal for execution. Atomic; idempotent.

    Scheduling runs in a task after commit. Without an executor key the proposal waits,
    approved (the pages say so), and the beat schedules it once a key is configured.
    """
    now = now or timezone.now()
    _require_steward(actor, "approve execution")
    with transaction.atomic():
        proposal = _locked(proposal_id)
        if proposal.approved_at and proposal.state in (S.SUCCEEDED, S.QUEUED, S.EXECUTED):
            return proposal
        _require_state(proposal, S.SUCCEEDED, action="approve")
        if now > grace_deadline(proposal):
            raise Conflict(
                "The execution grace period of this proposal has passed.",
                code="execution_grace_passed",
            )
        proposal.approved_by, proposal.approved_at = actor, now
        proposal.failure_code = proposal.failure_reason = ""
        proposal.save(
            update_fields=[
                "approved_by",
                "approved_at",
                "failure_code",
                "failure_reason",
                "updated_at",
            ]
        )
        audit_record(subject=proposal, action="approved", actor=actor, from_state=S.SUCCEEDED)
        emit("proposal.approved", subject=proposal)
        transaction.on_commit(lambda: _enqueue("schedule_proposal", proposal.pk))
    return proposal


def proposal_retry_execution(*, proposal_id: int, actor: User) -> Proposal:
    """A steward retries a failed execution. Atomic.

    Back to ``queued`` when the operation is still on the timelock (the execute task runs
    again), else back to ``succeeded`` + approved (the schedule task runs again).
    """
    _require_steward(actor, "retry execution")
    proposal = _get(proposal_id)
    _require_state(proposal, S.FAILED, action="retry")
    on_chain = (
        timelock.operation_state(proposal.operation_id) if proposal.operation_id else OP.UNSET
    )
    with transaction.atomic():
        proposal = _locked(proposal_id)
        _require_state(proposal, S.FAILED, action="retry")
        if on_chain == OP.UNSET and timezone.now() > grace_deadline(proposal):
            raise Conflict(
                "The execution grace period of this proposal has passed.",
                code="execution_grace_passed",
            )
        execution_transition(
            proposal,
            S.SUCCEEDED if on_chain == OP.UNSET else S.QUEUED,
            action="execution_retried",
            actor=actor,
        )
        task = "schedule_proposal" if proposal.state == S.SUCCEEDED else "execute_proposal"
        transaction.on_commit(lambda: _enqueue(task, proposal.pk))
    return proposal


def proposal_cancel_operation(
    *, proposal_id: int, actor: User, reason: str, now: datetime | None = None
) -> Proposal:
    """A steward cancels a queued (or failed) proposal and its timelock operation.

    Called by ``proposal_cancel``, which checks the steward and the reason. Claims the proposal
    first, so it never races the execute task: a step in flight answers
    ``execution_in_progress``; an operation that already executed answers ``already_executed``
    (and the execution is recorded).
    """
    now = now or timezone.now()
    proposal = _get(proposal_id)
    _require_state(proposal, S.QUEUED, S.FAILED, action="cancel")
    key = client.executor_account()
    if key is None:
        raise Conflict(
            "No executor key is configured to cancel the timelock operation.",
            code="executor_unavailable",
        )
    if not _claim(proposal_id, proposal.state, now):
        raise Conflict(
            "A worker is sending this proposal's timelock step; try again in a moment.",
            code="execution_in_progress",
        )
    step, on_chain = None, OP.UNSET
    try:
        if proposal.operation_id:
            on_chain = timelock.operation_state(proposal.operation_id)
        if on_chain in (OP.WAITING, OP.READY):
            try:
                step = timelock.cancel(proposal.operation_id, private_key=key)
            except ChainError:
                on_chain = timelock.operation_state(proposal.operation_id)
                if on_chain != OP.DONE:  # executed in between: answered below
                    raise
    except ApplicationError:
        _release(proposal_id)
        raise
    if on_chain == OP.DONE:
        _release(proposal_id)
        if proposal.state == S.QUEUED:
            transaction.on_commit(lambda: _enqueue("execute_proposal", proposal_id))
        raise Conflict("The timelock operation has already executed.", code="already_executed")
    with transaction.atomic():
        proposal = _locked(proposal_id)
        proposal = execution_transition(
            proposal,
            S.CANCELLED,
            action="cancelled",
            actor=actor,
            data={"reason": reason, "cancel_tx": step["tx_hash"] if step else ""},
            cancel_reason=reason,
            cancelled_by=actor,
            cancelled_at=now,
            cancel_tx=step["tx_hash"] if step else "",
        )
    return proposal


# --- the beat -----------------------------------------------------------------------------


def proposals_execution_due(*, now: datetime | None = None) -> dict[str, int]:
    """Beat: enqueue scheduling of approved proposals and execution of ready ones; expire
    succeeded proposals past their grace. Idempotent: the tasks claim before they act.

    "Ready" is judged by chain time (a dev chain may run ahead of the wall clock).
    """
    now = now or timezone.now()
    free = _claim_free(now)
    counts = {"schedule": 0, "execute": 0, "expired": 0}
    if executor_configured():
        approved = Proposal.objects.filter(free, state=S.SUCCEEDED, approved_at__isnull=False)
        for pk in approved.values_list("pk", flat=True):
            counts["schedule"] += _enqueue_once("schedule_proposal", pk)
        queued = Proposal.objects.filter(free, state=S.QUEUED)
        if queued.exists():
            chain_now = datetime.fromtimestamp(client.head_timestamp(), tz=UTC)
            ready = queued.filter(Q(ready_at__isnull=True) | Q(ready_at__lte=max(now, chain_now)))
            for pk in ready.values_list("pk", flat=True):
                counts["execute"] += _enqueue_once("execute_proposal", pk)
    grace = timedelta(seconds=current_value("governance.execution_grace_s"))
    past_grace = Proposal.objects.filter(free, state=S.SUCCEEDED, closed_at__lt=now - grace)
    for pk in past_grace.values_list("pk", flat=True):
        counts["expired"] += _expire(pk, now)
    return counts


def _enqueue_once(task_name: str, proposal_id: int) -> bool:
    """At most one beat-enqueued step per proposal a minute (or per claim lease, if shorter):
    during a chain outage the tasks' own retries back off, and the beat must not pile fresh
    copies on top of them."""
    every = min(BEAT_ENQUEUE_EVERY_S, settings.JCTGOV_CHAIN_LEASE_S)
    if not cache.add(f"proposals:{task_name}:{proposal_id}", 1, every):
        return False
    _enqueue(task_name, proposal_id)
    return True


def _expire(proposal_id: int, now: datetime) -> bool:
    with transaction.atomic():
        proposal = _locked(proposal_id)
        if (
            proposal.state != S.SUCCEEDED
            or proposal.execution_claim_live(now)
            or now <= grace_deadline(proposal)
        ):
            return False
        execution_transition(proposal, S.EXPIRED, action="expired")
    return True
