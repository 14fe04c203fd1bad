"""Relaying a chain operation at most once: claim, check the chain, send, reconcile, record.

The steps are described in ``jctgov.chain.operations``' docstring; import ``operation_relay``
from there.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Literal

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from eth_typing import HexStr

from jctgov.chain import client, safe
from jctgov.chain.client import ChainError, ChainUnavailable
from jctgov.chain.domain import safe_tx_of
from jctgov.chain.errors import RETRY_TRANSIENT
from jctgov.chain.handlers import handler_for, touch_subject
from jctgov.chain.models import ChainOperation, OperationState
from jctgov.chain.opening import (
    get_operation,
    operations_rebuild_stale,
    valid_signature_count,
)
from jctgov.core.errors import ApplicationError

logger = logging.getLogger("jctgov.chain.operations")
ST = OperationState


def lapsed_claim(now: datetime) -> Q:
    """Operations being sent whose worker's lease lapsed (a crash after sending, most likely)."""
    lease = timedelta(seconds=settings.JCTGOV_CHAIN_LEASE_S)
    return Q(state=ST.SENDING) & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - lease))


def _claim(operation_id: int, now: datetime) -> bool:
    fresh = Q(state=ST.READY, failure_code="")
    rows = ChainOperation.objects.filter(fresh | lapsed_claim(now), pk=operation_id)
    return rows.update(state=ST.SENDING, claimed_at=now, attempts=F("attempts") + 1) == 1


def _release(operation_id: int, *, to_state: str = ST.READY, **fields: Any) -> None:
    ChainOperation.objects.filter(pk=operation_id, state=ST.SENDING).update(
        state=to_state, claimed_at=None, updated_at=timezone.now(), **fields
    )
    touch_subject(ChainOperation.objects.get(pk=operation_id))


def operation_relay(*, operation_id: int, now: datetime | None = None) -> ChainOperation:
    """Task body: relay an operation at most once (``jctgov.chain.operations``). Idempotent, crash-safe.

    Raises ChainUnavailable (claim released) so the task retries; everything else is recorded.
    """
    now = now or timezone.now()
    if not _claim(operation_id, now):
        return get_operation(operation_id)
    op = get_operation(operation_id)
    try:
        step: dict[str, Any] | None = None
        if op.safe:
            precheck = _safe_precheck(op)
            if precheck is False:
                return get_operation(operation_id)
            step = precheck
        if step is None:
            step = handler_for(op).check(op)
        reconciled = step is not None
        if step is None:
            step = _send(op)
        return _record_done(op.pk, step, reconciled=reconciled)
    except ChainUnavailable:
        _release(operation_id)
        raise
    except ApplicationError as exc:
        return _record_failed(op.pk, exc.code, exc.message)
    finally:
        if op.safe:
            _rebuild_quietly()


def _safe_precheck(op: ChainOperation) -> dict[str, Any] | None | Literal[False]:
    """Already relayed → its step; nonce taken → rebuilt (False); below threshold → back to
    collecting (False); else None (go on)."""
    state = safe.safe_state()
    # A SafeTx that ran used its nonce: only when the Safe's nonce moved past ours can it have
    # run already (a crash after relaying), so only then are the Safe's logs read.
    done = (
        safe.find_execution(op.signed_safe_tx_hash)
        if state.nonce > int(op.safe_nonce or 0)
        else None
    )
    if done is not None:
        if not done["success"]:
            raise ApplicationError("The Safe transaction failed on chain.", code="safe_tx_failed")
        return done
    if state.nonce > int(op.safe_nonce or 0):
        _release(op.pk)
        operations_rebuild_stale(state=state)
        return False
    if valid_signature_count(op, state.owners) < state.threshold:
        _release(
            op.pk, to_state=ST.COLLECTING, threshold=state.threshold, owners=list(state.owners)
        )
        return False
    return None


def _send(op: ChainOperation) -> dict[str, Any]:
    key = client.executor_account()
    if key is None:
        raise ChainError(
            "No relayer key is configured (JCTGOV_EXECUTOR_KEY): the operation waits for one.",
            code="executor_unavailable",
        )
    try:
        if op.safe:
            signatures = list(
                op.signatures.filter(signer__in=list(safe.safe_state().owners)).values_list(
                    "signature", flat=True
                )
            )
            return safe.exec_transaction(safe_tx_of(op), signatures, private_key=key)
        fn = _direct_call(op)
        return client.send_transaction(fn, private_key=key, serialize=True)
    except ChainError as exc:
        if op.safe and (landed := safe.find_execution(op.signed_safe_tx_hash)) is not None:
            return landed  # an earlier send of ours landed in between
        if op.safe and exc.revert == "GS013":  # the inner call reverted: say why
            raise _inner_revert(op, exc) from exc
        raise


def _inner_revert(op: ChainOperation, exc: ChainError) -> ChainError:
    """The Safe hides its inner call's revert behind GS013: replay the call from the Safe's
    address to name it (e.g. "TimelockUnexpectedOperationState", "ExceedsRemaining")."""
    try:
        with client.rpc_errors(f"{op.kind} from the Safe"):
            client.get_web3().eth.call({"from": op.safe, "to": op.to, "data": HexStr(op.data)})
    except ChainError as inner:
        return inner
    return exc


def _direct_call(op: ChainOperation) -> Any:
    """The bound TimelockController function of an execute's calldata (the only direct kind)."""
    timelock = client.contract("TimelockController")
    fn, args = timelock.decode_function_input(op.data)
    return timelock.functions[fn.fn_name](**args)


@transaction.atomic
def _record_done(operation_id: int, step: dict[str, Any], *, reconciled: bool) -> ChainOperation:
    op = ChainOperation.objects.select_for_update().get(pk=operation_id)
    if op.state == ST.DONE:
        return op
    op.state, op.tx_hash, op.block_number = ST.DONE, step["tx_hash"], step["block_number"]
    op.reconciled, op.done_at, op.claimed_at = reconciled, timezone.now(), None
    op.failure_code = op.failure_reason = ""
    op.save()
    handler_for(op).on_done(op, step, reconciled)
    return op


@transaction.atomic
def _record_failed(operation_id: int, code: str, reason: str) -> ChainOperation:
    """Back to ``ready`` with the failure (nothing used the Safe nonce: the signatures stay
    valid for a retry); the subject records the failure too."""
    op = ChainOperation.objects.select_for_update().get(pk=operation_id)
    if op.state != ST.SENDING:
        return op
    if code == "executor_unavailable":  # waiting, not failed: the beat relays once a key is set
        op.state, op.claimed_at = ST.READY, None
        op.save(update_fields=["state", "claimed_at", "updated_at"])
        return op
    op.state, op.claimed_at, op.failure_code, op.failure_reason = ST.READY, None, code, reason
    op.save(update_fields=["state", "claimed_at", "failure_code", "failure_reason", "updated_at"])
    handler_for(op).on_failed(op, code, reason)
    logger.warning("chain operation %s failed (%s): %s", op.pk, code, reason)
    return op


def _rebuild_quietly() -> None:
    try:
        operations_rebuild_stale()
    except (ChainError, ChainUnavailable) as exc:  # the beat tries again
        logger.warning("rebuilding stale Safe transactions skipped: %s", exc)


@shared_task(name="jctgov.chain.tasks.relay_operation", **RETRY_TRANSIENT)
def relay_operation(operation_id: int) -> str:
    """Relay one chain operation once its signatures are in. Idempotent and crash-safe (the
    operation is claimed, the chain checked before sending); retried on transient errors."""
    return operation_relay(operation_id=int(operation_id)).state
