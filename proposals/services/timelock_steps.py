"""The timelock steps of a passed proposal (schedule, execute, cancel) as the chain-operation
kit (``jctgov.chain.operations``) sees them: the checks before sending, and the records once
the chain has spoken. Opening and relaying them: ``timelock_relay``.

Records run in short transactions on the locked proposal row and recheck the state against
``Proposal.TRANSITIONS`` (``record_*``), so a duplicate delivery or a reconciliation after a
crash records nothing twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from jctgov.chain import operations as ops
from jctgov.chain import timelock
from jctgov.chain.client import ChainUnavailable
from jctgov.chain.models import ChainOperation, OperationKind
from jctgov.chain.timelock import OperationState
from jctgov.core.errors import ApplicationError, Conflict
from jctgov.core.services import audit_record
from jctgov.core.states import can
from jctgov.core.tasks import enqueue
from jctgov.core.transitions import transition
from jctgov.notify.services import emit
from jctgov.wallets.models import User
from proposals.batches import (
    escrow_program_id,
    jct_needed,
    parameter_values_before,
    proposal_batch,
)
from proposals.models import Proposal, ProposalKind, ProposalState
from proposals.services.rows import proposal_get, proposal_locked

S = ProposalState
OP = OperationState
SUBJECT = "proposals.proposal"
K = OperationKind


def proposal_operation(proposal_id: int, kind: str) -> ChainOperation | None:
    """The live chain operation of a proposal for ``kind`` (schedule, execute, cancel)."""
    return ops.live_operation(SUBJECT, proposal_id, kind)


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
    proposal = proposal_get(op.subject_id)
    op_id = proposal_batch(proposal).operation_id
    if timelock.operation_state(op_id) != OP.UNSET:
        return _step_event("CallScheduled", op_id)  # already scheduled: record that one
    _check_treasury(proposal)
    return None


def _check_execute(op: ChainOperation) -> dict[str, Any] | None:
    proposal = proposal_get(op.subject_id)
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
    proposal = proposal_get(op.subject_id)
    on_chain = timelock.operation_state(proposal.operation_id)
    if on_chain == OP.DONE:
        raise Conflict("The timelock operation has already executed.", code="already_executed")
    if on_chain == OP.UNSET:
        step = timelock.find_event("Cancelled", proposal.operation_id)
        if step is not None:
            return step
        raise ApplicationError("The timelock has no such operation.", code="operation_missing")
    return None


def execution_transition(
    proposal: Proposal,
    action: str,
    *,
    to: str | None = None,
    audit: str = "",
    actor: Any = None,
    data: dict[str, Any] | None = None,
    **fields: Any,
) -> Proposal:
    """:func:`~jctgov.core.transitions.transition` of a locked proposal on its way through the
    timelock: also clears any failure note (unless ``fields`` sets one) and the legacy claim,
    and tells subscribers (queued, executed, failed). Call inside the transaction."""
    transition(
        proposal,
        action,
        to=to,
        audit=audit,
        actor=actor,
        data=data or {},
        **{"failure_code": "", "failure_reason": "", "execution_claimed_at": None, **fields},
    )
    emit(f"proposal.{proposal.state}", subject=proposal, if_known=True)
    return proposal


def _on_schedule_ready(op: ChainOperation) -> None:
    """The threshold is reached: the proposal is approved (by its signers)."""
    proposal = proposal_locked(op.subject_id)
    if not can(proposal, "approve") or proposal.approved_at:
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
    proposal = proposal_locked(op.subject_id)
    if not can(proposal, "record_scheduled"):
        return
    op_id = proposal_batch(proposal).operation_id
    ready_at = timelock.operation_ready_at(op_id)
    delay = timelock.min_delay() if reconciled else None
    execution_transition(
        proposal,
        "record_scheduled",
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

    proposal = proposal_locked(op.subject_id)
    if not can(proposal, "record_executed"):
        return
    execution_transition(
        proposal,
        "record_executed",
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
        enqueue("jctgov.chain.tasks.index_chain")  # sent once the recording commits


def _on_cancelled(op: ChainOperation, step: dict[str, Any], reconciled: bool) -> None:
    proposal = proposal_locked(op.subject_id)
    if not can(proposal, "record_cancelled"):
        return
    signers = list(op.signatures.values_list("signer", flat=True))
    by = User.objects.filter(address__in=signers).order_by("-id").first()
    execution_transition(
        proposal,
        "record_cancelled",
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
        enqueue("proposals.execute_proposal", op.subject_id)  # records the execution


def _on_step_failed(action: str) -> Any:
    """The handler that records a refused step: ``action`` is the proposal's transition to
    ``failed`` from the state the step starts in (schedule_failed, execute_failed)."""

    def record(op: ChainOperation, code: str, reason: str) -> None:
        proposal = proposal_locked(op.subject_id)
        if not can(proposal, action):
            return
        execution_transition(
            proposal,
            action,
            data={"code": code, "reason": reason, "operation": op.pk},
            failure_code=code,
            failure_reason=reason,
        )

    return record


def _touch(op: ChainOperation) -> None:
    """The proposal page shows its operations: a new version for the page cache."""
    Proposal.objects.filter(pk=op.subject_id).update(updated_at=timezone.now())


ops.register(
    SUBJECT,
    K.SCHEDULE,
    ops.Handler(
        check=_check_schedule,
        on_done=_on_scheduled,
        on_failed=_on_step_failed("schedule_failed"),
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
        on_failed=_on_step_failed("execute_failed"),
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
