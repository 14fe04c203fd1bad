"""Steward actions on passed proposals, and the execution beat.

    succeeded --stewards sign the Safe's scheduleBatch (k of M)--> approved --relay--> queued
    queued --beat, once the timelock says ready: executeBatch (anyone)--> executed | failed
    failed --steward retries--> queued (operation still on chain) | succeeded + approved
    succeeded, not queued within governance.execution_grace_s --> expired
    queued | failed --stewards sign the Safe's cancel (k of M)--> cancelled

The chain steps themselves, and why they happen exactly once: ``timelock_steps`` and the
chain-operation kit (``jctgov.chain.operations``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jctgov.chain import client, timelock
from jctgov.chain import operations as ops
from jctgov.chain.models import ChainOperation, OperationKind
from jctgov.chain.timelock import OperationState
from jctgov.core.actors import require_steward
from jctgov.core.errors import Conflict
from jctgov.core.parameters import current_value
from jctgov.core.states import can
from jctgov.core.tasks import enqueue
from jctgov.core.transitions import require
from jctgov.wallets.models import User
from proposals import selectors
from proposals.domain import executor_configured, grace_deadline
from proposals.models import Proposal, ProposalState, execution_lease
from proposals.services.rows import proposal_get, proposal_locked
from proposals.services.timelock_relay import cancel_operation_open, schedule_operation_open
from proposals.services.timelock_steps import execution_transition, proposal_operation

S = ProposalState
OP = OperationState
K = OperationKind
BEAT_ENQUEUE_EVERY_S = 60


def _enqueue(proposal_id: int) -> None:
    """The execute task, sent once the caller's transaction commits (the task base's rule)."""
    enqueue("proposals.execute_proposal", proposal_id)


# --- steward actions ----------------------------------------------------------------------


def proposal_approval_open(*, proposal_id: int, now: datetime | None = None) -> ChainOperation:
    """The Safe's ``scheduleBatch`` SafeTx of a succeeded proposal, for the stewards to sign.

    Idempotent (one live operation per proposal). Anyone may ask for it (it is public data);
    only the Safe's owners' signatures count. At the threshold a worker relays it."""
    now = now or timezone.now()
    proposal = selectors.proposal_get(proposal_id)  # a draft answers 404, as a missing id
    existing = proposal_operation(proposal_id, K.SCHEDULE)
    if existing is not None:
        return existing
    require(proposal, "approve")
    if now > grace_deadline(proposal):
        raise Conflict(
            "The execution grace period of this proposal has passed.",
            code="execution_grace_passed",
        )
    return schedule_operation_open(proposal)


def proposal_retry_execution(*, proposal_id: int, actor: User) -> Proposal:
    """A steward retries a failed execution. Atomic.

    Back to ``queued`` when the operation is on the timelock (the execute task runs again),
    else back to ``succeeded`` + approved and the signed schedule SafeTx is relayed again (its
    signatures stay valid: nothing used its Safe nonce)."""
    require_steward(actor, "retry execution")
    proposal = selectors.proposal_get(proposal_id)  # a draft answers 404, as a missing id
    require(proposal, "retry")
    op_id = proposal.operation_id or _batch_operation_id(proposal)
    on_chain = timelock.operation_state(op_id) if op_id else OP.UNSET
    with transaction.atomic():
        proposal = proposal_locked(proposal_id)
        require(proposal, "retry")
        if on_chain == OP.UNSET and timezone.now() > grace_deadline(proposal):
            raise Conflict(
                "The execution grace period of this proposal has passed.",
                code="execution_grace_passed",
            )
        queued = on_chain != OP.UNSET
        if queued and not proposal.operation_id:
            proposal.operation_id = op_id
        execution_transition(proposal, "retry", to=S.QUEUED if queued else S.SUCCEEDED, actor=actor)
        if queued:
            _enqueue(proposal.pk)
        elif (op := proposal_operation(proposal_id, K.SCHEDULE)) is not None:
            ops.operation_retry(operation_id=op.pk)
    return proposal


def _batch_operation_id(proposal: Proposal) -> str:
    from proposals.batches import proposal_batch

    return proposal_batch(proposal).operation_id


def proposal_cancel_operation(
    *, proposal_id: int, actor: User, reason: str, now: datetime | None = None
) -> Proposal:
    """A steward asks to cancel a queued (or failed) proposal's timelock operation: opens the
    Safe's ``cancel`` SafeTx for the stewards to sign (k of M); the proposal is cancelled when
    it is relayed. Called by ``proposal_cancel``, which checks the steward and the reason.

    An operation that already executed answers ``already_executed`` (and the execution is
    recorded); one no longer on the timelock cancels the proposal here at once."""
    now = now or timezone.now()
    proposal = proposal_get(proposal_id)
    require(proposal, "cancel_operation")
    on_chain = (
        timelock.operation_state(proposal.operation_id) if proposal.operation_id else OP.UNSET
    )
    if on_chain == OP.DONE:
        if proposal.state == S.QUEUED:
            _enqueue(proposal_id)
        raise Conflict("The timelock operation has already executed.", code="already_executed")
    if on_chain in (OP.WAITING, OP.READY):
        cancel_operation_open(proposal, reason)
        return proposal_get(proposal_id)
    with transaction.atomic():
        proposal = proposal_locked(proposal_id)
        schedule = proposal_operation(proposal_id, K.SCHEDULE)
        if schedule is not None and schedule.state != "done":
            ops.operation_abandon(operation_id=schedule.pk, reason="The proposal was cancelled.")
        return execution_transition(
            proposal,
            "cancel_operation",
            audit="cancelled",
            actor=actor,
            data={"reason": reason, "cancel_tx": ""},
            cancel_reason=reason,
            cancelled_by=actor,
            cancelled_at=now,
        )


# --- the beat -----------------------------------------------------------------------------


def proposals_execution_due(*, now: datetime | None = None) -> dict[str, int]:
    """Beat: enqueue execution of ready proposals; expire succeeded proposals past their grace.
    Idempotent: the tasks claim before they act. (Approved SafeTxs whose relay was lost are the
    kit's beat: ``operations_due``.)

    "Ready" is judged by chain time (a dev chain may run ahead of the wall clock).
    """
    now = now or timezone.now()
    free = _claim_free(now)
    counts = {"schedule": 0, "execute": 0, "expired": 0}
    if executor_configured():
        queued = Proposal.objects.filter(free, state=S.QUEUED)
        if queued.exists():
            chain_now = datetime.fromtimestamp(client.head_timestamp(), tz=UTC)
            ready = queued.filter(Q(ready_at__isnull=True) | Q(ready_at__lte=max(now, chain_now)))
            for pk in ready.values_list("pk", flat=True):
                counts["execute"] += _enqueue_once(pk)
    grace = timedelta(seconds=current_value("governance.execution_grace_s"))
    past_grace = Proposal.objects.filter(free, state=S.SUCCEEDED, closed_at__lt=now - grace)
    for pk in past_grace.values_list("pk", flat=True):
        counts["expired"] += _expire(pk, now)
    return counts


def _claim_free(now: datetime) -> Q:
    """Proposals no process holds a (legacy) execution claim on."""
    return Q(execution_claimed_at__isnull=True) | Q(
        execution_claimed_at__lt=now - execution_lease()
    )


def _enqueue_once(proposal_id: int) -> bool:
    """At most one beat-enqueued execute step per proposal a minute (or per claim lease, if
    shorter): during a chain outage the tasks' own retries back off, and the beat must not pile
    fresh copies on top of them."""
    every = min(BEAT_ENQUEUE_EVERY_S, settings.JCTGOV_CHAIN_LEASE_S)
    if not cache.add(f"proposals:execute_proposal:{proposal_id}", 1, every):
        return False
    _enqueue(proposal_id)
    return True


def _expire(proposal_id: int, now: datetime) -> bool:
    with transaction.atomic():
        proposal = proposal_locked(proposal_id)
        schedule = proposal_operation(proposal_id, K.SCHEDULE)
        if (
            not can(proposal, "expire")
            or proposal.execution_claim_live(now)
            or now <= grace_deadline(proposal)
            or (schedule is not None and schedule.state in ("sending", "done"))
        ):
            return False
        if schedule is not None:
            ops.operation_abandon(operation_id=schedule.pk, reason="The proposal expired.")
        execution_transition(proposal, "expire")
    return True
