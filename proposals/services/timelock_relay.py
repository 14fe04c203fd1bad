"""Opening and relaying the timelock steps of a passed proposal (schedule, execute, cancel),
each exactly once; the task bodies.

Each step is one ``ChainOperation`` of the chain-operation kit (``jctgov.chain.operations``):
the stewards sign the Safe's ``scheduleBatch``/``cancel`` SafeTx, a worker relays it at the
threshold; ``executeBatch`` needs no signature (the timelock's executor role is open). The kit
claims, checks the chain, sends, reconciles and records; this module opens the operations and
holds the task bodies, ``timelock_steps`` says what each step checks on the timelock before
sending and what it records on the proposal.

Exactly once also rests on the timelock: the operation id is ``hashOperationBatch`` with
salt = the proposal uid, and the timelock refuses to schedule an id twice or execute a done one.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from jctgov.chain import operations as ops
from jctgov.chain import timelock
from jctgov.chain.client import ChainUnavailable
from jctgov.chain.models import ChainOperation, OperationKind
from jctgov.chain.timelock import OperationState
from jctgov.core.errors import ApplicationError
from jctgov.core.parameters import current_value
from jctgov.core.states import can
from proposals.batches import proposal_batch
from proposals.models import Proposal, ProposalState
from proposals.services.rows import proposal_get, proposal_locked
from proposals.services.timelock_steps import (
    SUBJECT,
    execution_transition,
    proposal_operation,
)

logger = logging.getLogger(__name__)
S = ProposalState
OP = OperationState
K = OperationKind


# --- opening the operations -----------------------------------------------------------------


def schedule_operation_open(proposal: Proposal) -> ChainOperation:
    """The Safe's ``scheduleBatch`` SafeTx for a succeeded proposal (opened once)."""
    existing = proposal_operation(proposal.pk, K.SCHEDULE)
    if existing is not None:
        return existing
    batch = proposal_batch(proposal)
    delay = max(timelock.min_delay(), current_value("governance.timelock_delay_s"))
    calls = "; ".join(c.description for c in batch.calls)
    return ops.operation_open(
        kind=K.SCHEDULE,
        subject_type=SUBJECT,
        subject_id=proposal.pk,
        to=timelock.client.address_of("TimelockController"),
        data=timelock.schedule_data(batch, delay=delay),
        description=f"TimelockController.scheduleBatch (delay {delay} s, salt = uid): {calls}",
    )


def cancel_operation_open(proposal: Proposal, reason: str) -> ChainOperation:
    existing = proposal_operation(proposal.pk, K.CANCEL)
    if existing is not None:
        return existing
    return ops.operation_open(
        kind=K.CANCEL,
        subject_type=SUBJECT,
        subject_id=proposal.pk,
        to=timelock.client.address_of("TimelockController"),
        data=timelock.cancel_data(proposal.operation_id),
        description=f"TimelockController.cancel({proposal.operation_id})",
        note=reason,
    )


# --- the task bodies ----------------------------------------------------------------------


def proposal_schedule(*, proposal_id: int, now: datetime | None = None) -> Proposal:
    """Task body: relay the approved ``scheduleBatch`` SafeTx. Idempotent, crash-safe; does
    nothing below the Safe's threshold."""
    op = proposal_operation(proposal_id, K.SCHEDULE)
    if op is not None and proposal_get(proposal_id).state == S.SUCCEEDED:
        try:
            ops.operation_relay(operation_id=op.pk, now=now)
        except ChainUnavailable as exc:
            _outage(proposal_id, exc)
            raise
    return proposal_get(proposal_id)


def proposal_execute(*, proposal_id: int, now: datetime | None = None) -> Proposal:
    """Task body: ``executeBatch`` a queued proposal once the timelock says ready, or record an
    executed one. Idempotent and crash-safe. A revert leaves the proposal ``failed`` with the
    reason while the operation stays ready on the timelock, so a steward's retry executes it."""
    proposal = proposal_get(proposal_id)
    if proposal.state != S.QUEUED:
        return proposal
    try:
        batch = proposal_batch(proposal)
        if batch.operation_id != proposal.operation_id:
            raise ApplicationError(
                "The payload no longer maps to the scheduled operation.", code="operation_mismatch"
            )
        on_chain = timelock.operation_state(proposal.operation_id)
        if on_chain == OP.WAITING:
            return proposal
        if on_chain == OP.UNSET:
            raise ApplicationError(
                "The timelock has no such operation: it was cancelled on chain.",
                code="operation_missing",
            )
        op = proposal_operation(proposal_id, K.EXECUTE) or ops.operation_open(
            kind=K.EXECUTE,
            subject_type=SUBJECT,
            subject_id=proposal_id,
            to=timelock.client.address_of("TimelockController"),
            data=timelock.execute_data(batch),
            description=f"TimelockController.executeBatch of {proposal.operation_id}",
        )
        ops.operation_clear_failure(operation_id=op.pk)  # queued again: a retry
        ops.operation_relay(operation_id=op.pk, now=now)
    except ChainUnavailable as exc:
        _outage(proposal_id, exc)
        raise
    except ApplicationError as exc:
        return _record_failed(proposal_id, exc.code, exc.message)
    return proposal_get(proposal_id)


def _outage(proposal_id: int, outage: ChainUnavailable) -> None:
    """A note the pages show while the task retries (bumps updated_at: the page cache key)."""
    Proposal.objects.filter(pk=proposal_id).update(
        failure_code=outage.code,
        failure_reason=f"{outage.message} Retrying.",
        updated_at=timezone.now(),
    )


def _record_failed(proposal_id: int, code: str, reason: str) -> Proposal:
    """A queued proposal whose execute step was refused before sending: ``failed``."""
    with transaction.atomic():
        proposal = proposal_locked(proposal_id)
        if not can(proposal, "execute_failed"):
            return proposal
        execution_transition(
            proposal,
            "execute_failed",
            data={"code": code, "reason": reason},
            failure_code=code,
            failure_reason=reason,
        )
    logger.warning("proposal %s execution failed (%s): %s", proposal_id, code, reason)
    return proposal
