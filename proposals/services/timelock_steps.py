"""The timelock steps of a passed proposal (schedule, execute), each exactly once.

Exactly once rests on three things:

1. The operation id is derived from the proposal (``hashOperationBatch`` with salt = uid), and
   the timelock itself refuses to schedule an id twice or to execute a done one.
2. A worker *claims* the proposal (a conditional update of ``execution_claimed_at``) before it
   talks to the chain, and asks the timelock for the operation's state before sending. Of
   several deliveries of one task exactly one proceeds; the others return at once. No row lock
   is held while waiting for a receipt, so API readers and the beat never stall on the chain.
3. A worker killed after sending (before recording) leaves its claim behind. Once the claim
   lapses (``JCTGOV_CHAIN_LEASE_S``) the beat runs the step again, which finds the operation
   on chain and records it from the ``CallScheduled``/``CallExecuted`` events instead of sending.

Transient chain errors (``ChainUnavailable``) release the claim and propagate, so the task
retries with backoff and nothing is recorded; permanent ones (a revert, a missing program, a
treasury too small) leave the proposal ``failed`` with a code and reason a steward can act on.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jctgov.chain import client, timelock
from jctgov.chain.client import ChainError, ChainUnavailable
from jctgov.chain.timelock import OperationState
from jctgov.core.errors import ApplicationError
from jctgov.core.parameters import current_value
from jctgov.core.services import audit_record
from jctgov.notify.services import emit
from proposals.batches import escrow_program_id, jct_needed, proposal_batch
from proposals.models import Proposal, ProposalKind, ProposalState, execution_lease
from proposals.services.lifecycle import _get, _locked

logger = logging.getLogger(__name__)
S = ProposalState
OP = OperationState


# --- claims: at most one worker talks to the timelock for a proposal ------------------------


def _claim_free(now: datetime) -> Q:
    return Q(execution_claimed_at__isnull=True) | Q(
        execution_claimed_at__lt=now - execution_lease()
    )


def _claim(proposal_id: int, state: str, now: datetime) -> bool:
    """Exactly one caller wins the conditional update (committed at once, outside any lock)."""
    rows = Proposal.objects.filter(_claim_free(now), pk=proposal_id, state=state)
    if state == S.SUCCEEDED:
        rows = rows.filter(approved_at__isnull=False)
    return rows.update(execution_claimed_at=now) == 1


def _release(proposal_id: int, *, outage: ChainUnavailable | None = None) -> None:
    """Give the claim back; after an outage, leave a note the pages show while tasks retry."""
    fields: dict[str, Any] = {"execution_claimed_at": None}
    if outage is not None:  # shown on the page: bump updated_at, which the page cache keys on
        fields.update(
            failure_code=outage.code,
            failure_reason=f"{outage.message} Retrying.",
            updated_at=timezone.now(),
        )
    Proposal.objects.filter(pk=proposal_id).update(**fields)


def _enqueue(task_name: str, proposal_id: int) -> None:
    from proposals import tasks

    getattr(tasks, task_name).delay(proposal_id)


# --- the task bodies ----------------------------------------------------------------------


def proposal_schedule(*, proposal_id: int, now: datetime | None = None) -> Proposal:
    """Task body: ``scheduleBatch`` an approved proposal, or record the one already on chain.

    Idempotent and crash-safe (module docstring). Refuses before sending when the treasury
    holds less JCT than the batch pays out.
    """
    now = now or timezone.now()
    key = client.executor_account()
    if key is None or not _claim(proposal_id, S.SUCCEEDED, now):
        return _get(proposal_id)  # waiting for an executor, or another worker has it
    try:
        proposal = _get(proposal_id)
        batch = proposal_batch(proposal)
        op_id = batch.operation_id
        on_chain = timelock.operation_state(op_id)
        step, delay = None, None
        if on_chain == OP.UNSET:
            _check_treasury(proposal)
            delay = max(timelock.min_delay(), current_value("governance.timelock_delay_s"))
            try:
                step = timelock.schedule(batch, delay=delay, private_key=key)
            except ChainError:
                if timelock.operation_state(op_id) == OP.UNSET:
                    raise
                # Scheduled meanwhile by an earlier send of ours: record that one below.
        if step is None:
            step = _step_event("CallScheduled", op_id)
        proposal = _record_queued(
            proposal_id,
            op_id,
            step,
            timelock.operation_ready_at(op_id),
            delay=delay,
        )
    except ChainUnavailable as exc:
        _release(proposal_id, outage=exc)
        raise
    except ApplicationError as exc:
        return _record_failed(proposal_id, exc.code, exc.message, expected=S.SUCCEEDED)
    if on_chain == OP.DONE:
        return proposal_execute(proposal_id=proposal_id, now=now)
    return proposal


def proposal_execute(*, proposal_id: int, now: datetime | None = None) -> Proposal:
    """Task body: ``executeBatch`` a queued proposal once ready, or record an executed one.

    Idempotent and crash-safe. A revert leaves the proposal ``failed`` with the reason while
    the operation stays ready on the timelock, so a steward's retry can execute it later.
    """
    now = now or timezone.now()
    key = client.executor_account()
    if key is None or not _claim(proposal_id, S.QUEUED, now):
        return _get(proposal_id)
    try:
        proposal = _get(proposal_id)
        batch = proposal_batch(proposal)
        op_id = proposal.operation_id
        if batch.operation_id != op_id:
            raise ApplicationError(
                "The payload no longer maps to the scheduled operation.", code="operation_mismatch"
            )
        on_chain = timelock.operation_state(op_id)
        step = None
        if on_chain == OP.UNSET:
            raise ApplicationError(
                "The timelock has no such operation: it was cancelled on chain.",
                code="operation_missing",
            )
        if on_chain == OP.WAITING:
            _release(proposal_id)
            return proposal
        if on_chain == OP.READY:
            _check_treasury(proposal)
            try:
                step = timelock.execute(batch, private_key=key)
            except ChainError:
                if timelock.operation_state(op_id) != OP.DONE:
                    raise
        if step is None:
            step = _step_event("CallExecuted", op_id)
        return _record_executed(proposal_id, step, reconciled=on_chain == OP.DONE)
    except ChainUnavailable as exc:
        _release(proposal_id, outage=exc)
        raise
    except ApplicationError as exc:
        return _record_failed(proposal_id, exc.code, exc.message, expected=S.QUEUED)


def _check_treasury(proposal: Proposal) -> None:
    needed = jct_needed(proposal)
    if needed and (held := timelock.treasury_balance()) < needed:
        raise ApplicationError(
            f"The treasury holds {held} JCT wei; this proposal pays out {needed}. "
            "Fund the treasury (the timelock), then retry.",
            code="treasury_insufficient",
        )


def _step_event(event_name: str, op_id: str) -> dict[str, Any]:
    step = timelock.find_event(event_name, op_id)
    if step is None:  # the state says it happened, the log is not visible yet: try again later
        raise ChainUnavailable(f"The timelock's {event_name} log of {op_id} is not visible yet.")
    return step


# --- records (short transactions, state rechecked under the row lock) -----------------------


def execution_transition(
    proposal: Proposal,
    to_state: str,
    *,
    action: str,
    actor: Any = None,
    data: dict[str, Any] | None = None,
    **fields: Any,
) -> Proposal:
    """Move a locked proposal to ``to_state``: set ``fields``, give back the claim, clear any
    failure note (unless ``fields`` sets one), save and audit. Call inside the transaction."""
    from_state = proposal.state
    proposal.state = to_state
    proposal.failure_code = proposal.failure_reason = ""
    proposal.execution_claimed_at = None
    for name, value in fields.items():
        setattr(proposal, name, value)
    proposal.save()
    audit_record(
        subject=proposal,
        action=action,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        data=data or {},
    )
    emit(f"proposal.{to_state}", subject=proposal, if_known=True)  # queued, executed, failed
    return proposal


def _record_queued(
    proposal_id: int, op_id: str, step: dict[str, Any], ready_at: int, *, delay: int | None
) -> Proposal:
    """``delay`` is the one this worker scheduled with; None when it found the operation
    already on chain (a reconciled step)."""
    with transaction.atomic():
        proposal = _locked(proposal_id)
        if proposal.state != S.SUCCEEDED:
            return proposal
        return execution_transition(
            proposal,
            S.QUEUED,
            action="scheduled",
            data={"operation_id": op_id, **step, "reconciled": delay is None},
            operation_id=op_id,
            queued_at=timezone.now(),
            ready_at=datetime.fromtimestamp(ready_at, tz=UTC) if ready_at > 1 else None,
            execution_delay_s=delay,
            schedule_tx=step["tx_hash"],
            schedule_block=step["block_number"],
        )


def _record_executed(proposal_id: int, step: dict[str, Any], *, reconciled: bool) -> Proposal:
    """Mark executed and apply the effects in this database, in one transaction.

    The effects (a grant program, a top-up, recognition rows) are idempotent per proposal.
    """
    from grants import services as grants

    with transaction.atomic():
        proposal = _locked(proposal_id)
        if proposal.state != S.QUEUED:
            return proposal
        execution_transition(
            proposal,
            S.EXECUTED,
            action="executed",
            data={**step, "reconciled": reconciled},
            executed_at=timezone.now(),
            execute_tx=step["tx_hash"],
            execute_block=step["block_number"],
        )
        if proposal.kind == ProposalKind.GRANT_BUDGET:
            if proposal.payload.get("top_up_program_id") is not None:
                grants.program_top_up_from_proposal(proposal=proposal, tx_hash=proposal.execute_tx)
            else:
                grants.program_create_from_proposal(
                    proposal=proposal,
                    escrow_program_id=escrow_program_id(proposal),
                    tx_hash=proposal.execute_tx,
                )
        elif proposal.kind == ProposalKind.RECOGNITION:
            grants.recognitions_record(
                proposal=proposal, tx_hash=proposal.execute_tx, block_number=proposal.execute_block
            )
        else:  # the parameter mirror follows ParameterChanged: index soon rather than later
            transaction.on_commit(_enqueue_indexer)
    return proposal


def _enqueue_indexer() -> None:
    from jctgov.chain.tasks import index_chain

    index_chain.delay()


def _record_failed(proposal_id: int, code: str, reason: str, *, expected: str) -> Proposal:
    with transaction.atomic():
        proposal = _locked(proposal_id)
        if proposal.state != expected:
            return proposal
        execution_transition(
            proposal,
            S.FAILED,
            action="execution_failed",
            data={"code": code, "reason": reason},
            failure_code=code,
            failure_reason=reason,
        )
    logger.warning("proposal %s execution failed (%s): %s", proposal_id, code, reason)
    return proposal
