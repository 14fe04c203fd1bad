"""The timelock steps of a passed proposal (schedule, execute, cancel), each exactly once.

Each step is one ``ChainOperation`` of the chain-operation kit (``jctgov.chain.operations``):
the stewards sign the Safe's ``scheduleBatch``/``cancel`` SafeTx, a worker relays it at the
threshold; ``executeBatch`` needs no signature (the timelock's executor role is open). The kit
claims, checks the chain, sends, reconciles and records; this module says what each step
checks on the timelock before sending and what it records on the proposal.

Exactly once also rests on the timelock: the operation id is ``hashOperationBatch`` with
salt = the proposal uid, and the timelock refuses to schedule an id twice or execute a done one.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from jctgov.chain import operations as ops
from jctgov.chain import timelock
from jctgov.chain.client import ChainUnavailable
from jctgov.chain.models import ChainOperation, OperationKind
from jctgov.chain.timelock import OperationState
from jctgov.core.errors import ApplicationError
from jctgov.core.parameters import current_value
from jctgov.core.services import audit_record
from jctgov.notify.services import emit
from proposals.batches import (
    escrow_program_id,
    jct_needed,
    parameter_values_before,
    proposal_batch,
)
from proposals.models import Proposal, ProposalKind, ProposalState
from proposals.services.lifecycle import _get, _locked

logger = logging.getLogger(__name__)
S = ProposalState
OP = OperationState
SUBJECT = "proposals.proposal"
K = OperationKind


def _enqueue(task_name: str, proposal_id: int) -> None:
    from proposals import tasks

    getattr(tasks, task_name).delay(proposal_id)


def proposal_operation(proposal_id: int, kind: str) -> ChainOperation | None:
    """The live chain operation of a proposal for ``kind`` (schedule, execute, cancel)."""
    return ops.live_operation(SUBJECT, proposal_id, kind)


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
    if op is not None and _get(proposal_id).state == S.SUCCEEDED:
        try:
            ops.operation_relay(operation_id=op.pk, now=now)
        except ChainUnavailable as exc:
            _outage(proposal_id, exc)
            raise
    return _get(proposal_id)


def proposal_execute(*, proposal_id: int, now: datetime | None = None) -> Proposal:
    """Task body: ``executeBatch`` a queued proposal once the timelock says ready, or record an
    executed one. Idempotent and crash-safe. A revert leaves the proposal ``failed`` with the
    reason while the operation stays ready on the timelock, so a steward's retry executes it."""
    proposal = _get(proposal_id)
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
        return _record_failed(proposal_id, exc.code, exc.message, expected=S.QUEUED)
    return _get(proposal_id)


def _outage(proposal_id: int, outage: ChainUnavailable) -> None:
    """A note the pages show while the task retries (bumps updated_at: the page cache key)."""
    Proposal.objects.filter(pk=proposal_id).update(
        failure_code=outage.code,
        failure_reason=f"{outage.message} Retrying.",
        updated_at=timezone.now(),
    )


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


# --- what the kit asks before sending -------------------------------------------------------


def _check_schedule(op: ChainOperation) -> dict[str, Any] | None:
    proposal = _get(op.subject_id)
    op_id = proposal_batch(proposal).operation_id
    if timelock.operation_state(op_id) != OP.UNSET:
        return _step_event("CallScheduled", op_id)  # already scheduled: record that one
    _check_treasury(proposal)
    return None


def _check_execute(op: ChainOperation) -> dict[str, Any] | None:
    proposal = _get(op.subject_id)
    on_chain = timelock.operation_state(proposal.operation_id)
    if on_chain == OP.DONE:
        return _step_event("CallExecuted", proposal.operation_id)
    if on_chain != OP.READY:
        raise ApplicationError(
            "The timelock operation is not ready to execute.", code="operation_not_ready"
        )
    _check_treasury(proposal)
    return None


def _check_cancel(op: ChainOperation) -> dict[str, Any] | None:
    proposal = _get(op.subject_id)
    on_chain = timelock.operation_state(proposal.operation_id)
    if on_chain == OP.DONE:
        raise ApplicationError(
            "The timelock operation has already executed.", code="already_executed"
        )
    if on_chain == OP.UNSET:
        step = timelock.find_event("Cancelled", proposal.operation_id)
        if step is not None:
            return step
        raise ApplicationError("The timelock has no such operation.", code="operation_missing")
    return None


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
    """Move a locked proposal to ``to_state``: set ``fields``, clear any failure note (unless
    ``fields`` sets one), save and audit. Call inside the transaction."""
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


def _on_schedule_ready(op: ChainOperation) -> None:
    """The threshold is reached: the proposal is approved (by its signers)."""
    from jctgov.wallets.models import User

    proposal = _locked(op.subject_id)
    if proposal.state != S.SUCCEEDED or proposal.approved_at:
        return
    signers = list(op.signatures.values_list("signer", flat=True))
    proposal.approved_by = User.objects.filter(address__in=signers).order_by("-id").first()
    proposal.approved_at = timezone.now()
    proposal.failure_code = proposal.failure_reason = ""
    proposal.save(
        update_fields=["approved_by", "approved_at", "failure_code", "failure_reason", "updated_at"]
    )
    audit_record(
        subject=proposal,
        action="approved",
        actor=proposal.approved_by,
        from_state=S.SUCCEEDED,
        data={"safe_tx_hash": op.safe_tx_hash, "signers": signers},
    )
    emit("proposal.approved", subject=proposal)


def _on_scheduled(op: ChainOperation, step: dict[str, Any], reconciled: bool) -> None:
    proposal = _locked(op.subject_id)
    if proposal.state not in (S.SUCCEEDED, S.FAILED):
        return
    op_id = proposal_batch(proposal).operation_id
    ready_at = timelock.operation_ready_at(op_id)
    delay = timelock.min_delay() if reconciled else None
    execution_transition(
        proposal,
        S.QUEUED,
        action="scheduled",
        data={"operation_id": op_id, **step, "reconciled": reconciled},
        operation_id=op_id,
        approved_at=proposal.approved_at or timezone.now(),
        queued_at=timezone.now(),
        ready_at=datetime.fromtimestamp(ready_at, tz=UTC) if ready_at > 1 else None,
        execution_delay_s=_scheduled_delay(op) if not reconciled else delay,
        schedule_tx=step["tx_hash"],
        schedule_block=step["block_number"],
    )


def _scheduled_delay(op: ChainOperation) -> int:
    """The delay argument of the scheduleBatch calldata this operation carried."""
    contract = timelock.client.contract("TimelockController")
    _, args = contract.decode_function_input(op.data)
    return int(args["delay"])


def _on_executed(op: ChainOperation, step: dict[str, Any], reconciled: bool) -> None:
    """Mark executed and apply the effects in this database, in the recording transaction.

    The effects (a grant program, a top-up, recognition rows) are idempotent per proposal."""
    from grants import services as grants

    proposal = _locked(op.subject_id)
    if proposal.state not in (S.QUEUED, S.FAILED):
        return
    execution_transition(
        proposal,
        S.EXECUTED,
        action="executed",
        data={**step, "reconciled": reconciled},
        executed_at=timezone.now(),
        execute_tx=step["tx_hash"],
        execute_block=step["block_number"],
        parameters_before=parameter_values_before(proposal, step["block_number"]),
    )
    cancel = proposal_operation(proposal.pk, K.CANCEL)
    if cancel is not None:
        ops.operation_abandon(operation_id=cancel.pk, reason="The proposal executed first.")
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


def _on_cancelled(op: ChainOperation, step: dict[str, Any], reconciled: bool) -> None:
    proposal = _locked(op.subject_id)
    if proposal.state in (S.EXECUTED, S.CANCELLED):
        return
    signers = list(op.signatures.values_list("signer", flat=True))
    from jctgov.wallets.models import User

    by = User.objects.filter(address__in=signers).order_by("-id").first()
    execution_transition(
        proposal,
        S.CANCELLED,
        action="cancelled",
        actor=by,
        data={"reason": op.note, "cancel_tx": step["tx_hash"], "signers": signers},
        cancel_reason=op.note,
        cancelled_by=by,
        cancelled_at=timezone.now(),
        cancel_tx=step["tx_hash"],
    )


def _on_cancel_failed(op: ChainOperation, code: str, reason: str) -> None:
    if code == "already_executed":
        ChainOperation.objects.filter(pk=op.pk).update(state="abandoned")
        transaction.on_commit(lambda: _enqueue("execute_proposal", op.subject_id))


def _enqueue_indexer() -> None:
    from jctgov.chain.tasks import index_chain

    index_chain.delay()


def _on_step_failed(expected: str) -> Any:
    def record(op: ChainOperation, code: str, reason: str) -> None:
        proposal = _locked(op.subject_id)
        if proposal.state != expected:
            return
        execution_transition(
            proposal,
            S.FAILED,
            action="execution_failed",
            data={"code": code, "reason": reason, "operation": op.pk},
            failure_code=code,
            failure_reason=reason,
        )

    return record


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


def _touch(op: ChainOperation) -> None:
    """The proposal page shows its operations: a new version for the page cache."""
    Proposal.objects.filter(pk=op.subject_id).update(updated_at=timezone.now())


ops.register(
    SUBJECT,
    K.SCHEDULE,
    ops.Handler(
        check=_check_schedule,
        on_done=_on_scheduled,
        on_failed=_on_step_failed(S.SUCCEEDED),
        on_ready=_on_schedule_ready,
        touch=_touch,
    ),
)
ops.register(
    SUBJECT,
    K.EXECUTE,
    ops.Handler(
        check=_check_execute,
        on_done=_on_executed,
        on_failed=_on_step_failed(S.QUEUED),
        touch=_touch,
    ),
)
ops.register(
    SUBJECT,
    K.CANCEL,
    ops.Handler(
        check=_check_cancel, on_done=_on_cancelled, on_failed=_on_cancel_failed, touch=_touch
    ),
)
