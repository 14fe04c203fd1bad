"""The chain-operation kit: every on-chain operation of jctgov, exactly once.

One ``ChainOperation`` row per operation (schedule, execute, cancel, payout). Stewards' Safe
operations collect EIP-712 signatures of their SafeTx first; at the Safe's threshold a worker
relays ``execTransaction``. Direct calls (executing a ready timelock operation: open to anyone)
need none. Every relay follows one pattern:

1. **claim**: a conditional update ``ready → sending`` (or a ``sending`` row whose lease lapsed);
   of several deliveries exactly one proceeds, no row lock is held while the chain answers;
2. **check the chain**: the Safe's ``ExecutionSuccess`` for this SafeTx hash (already relayed:
   reconcile), the Safe nonce (taken by another SafeTx: rebuild, ask for signatures again), the
   threshold against the current owners, then the subject's own check (``Handler.check``:
   timelock ``getOperationState``, escrow ``paidRefs``/``remaining``), which may find the effect
   already on chain (reconcile) or refuse before anything is sent;
3. **send** from the relayer, serialized per sender (``serialized_sender``);
4. **reconcile** from events when a send reverted because it had already landed;
5. **record**: the row and the subject in one transaction (``Handler.on_done``).

A worker killed after sending leaves ``sending`` behind; once the lease lapses the beat relays
again, and step 2 records the transaction from its event instead of sending. Transient chain
errors release the claim and propagate (the task retries); refusals and reverts put the row
back to ``ready`` with a failure code (signatures stay valid: nothing used the Safe nonce) and
tell the subject, so a steward's retry reuses them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jctgov.chain import safe
from jctgov.chain.client import ChainError, ChainUnavailable
from jctgov.chain.domain import SAFE_KINDS, safe_tx_of, typed_data
from jctgov.chain.handlers import HANDLERS, Handler, handler_for, register, touch_subject
from jctgov.chain.models import (
    LIVE_OPERATION_STATES,
    ChainOperation,
    OperationSignature,
    OperationState,
)
from jctgov.chain.opening import (
    current_rebuild,
    get_operation,
    live_operation,
    operation_open,
    operations_rebuild_stale,
    valid_signature_count,
)
from jctgov.chain.relay import lapsed_claim, operation_relay, relay_operation
from jctgov.core.errors import ApplicationError, Conflict, Forbidden

ST = OperationState
LIVE_STATES = LIVE_OPERATION_STATES

__all__ = [
    "HANDLERS",
    "LIVE_STATES",
    "SAFE_KINDS",
    "ChainError",
    "ChainUnavailable",
    "Handler",
    "get_operation",
    "live_operation",
    "operation_abandon",
    "operation_clear_failure",
    "operation_open",
    "operation_relay",
    "operation_retry",
    "operation_sign",
    "operations_due",
    "operations_rebuild_stale",
    "register",
    "safe_tx_of",
    "typed_data",
]


def _enqueue_relay(operation_id: int) -> None:
    relay_operation.delay(operation_id)  # sent once the caller commits (the task base)


# --- sign ---------------------------------------------------------------------------------


def operation_sign(
    *, operation_id: int, signer: str, signature: str, safe_tx_hash: str
) -> ChainOperation:
    """Add a steward's signature of the operation's SafeTx. Atomic; idempotent per signer.

    Refuses (4xx): a SafeTx hash other than this operation's (``safe_tx_hash_mismatch``, or
    ``safe_tx_rebuilt`` when the operation was rebuilt at a new nonce), a signature that does
    not recover to ``signer`` over this hash, i.e. another Safe, chain or nonce
    (``signature_mismatch``), a signer who is not a current owner (``not_safe_owner``), a
    conflicted steward (``steward_conflicted``), an operation past signing
    (``operation_not_signable``). At the threshold the relay is enqueued once, after commit.
    """
    op = get_operation(operation_id)
    if op.state == ST.SUPERSEDED:
        current = current_rebuild(op)
        raise Conflict(
            f"{op.rebuilt_reason or 'This SafeTx was rebuilt.'} Sign the rebuilt one"
            + (f" (operation {current.pk}, Safe nonce {current.safe_nonce})." if current else "."),
            code="safe_tx_rebuilt",
            extra={"operation_id": current.pk if current else None},
        )
    if not op.safe or op.state not in (ST.COLLECTING, ST.READY):
        raise Conflict(
            f"This operation is {op.get_state_display().lower()}: it takes no signatures.",
            code="operation_not_signable",
        )
    if str(safe_tx_hash or "").lower() != str(op.safe_tx_hash).lower():
        raise ApplicationError(
            "The signed SafeTx hash is not this operation's: reload the page and sign again.",
            code="safe_tx_hash_mismatch",
            field="safe_tx_hash",
        )
    try:
        recovered = safe.recover_signer(op.signed_safe_tx_hash, signature)
    except safe.BadSignature as exc:
        raise ApplicationError(str(exc), code=exc.code, field="signature") from exc
    if str(signer or "").lower() != recovered.lower():
        raise ApplicationError(
            "The signature is not over this SafeTx (another Safe, chain or nonce?).",
            code="signature_mismatch",
            field="signature",
        )
    state = safe.safe_state()
    if state.nonce > int(op.safe_nonce or 0):
        rebuilt = operations_rebuild_stale(state=state).get(op.pk)
        raise Conflict(
            f"Safe nonce {op.safe_nonce} was used by another Safe transaction; this one was "
            f"rebuilt at nonce {state.nonce}: sign it again.",
            code="safe_tx_rebuilt",
            extra={"operation_id": rebuilt.pk if rebuilt else None},
        )
    if recovered not in state.owners:
        raise Forbidden(
            f"{recovered} is not an owner of the stewards' Safe.", code="not_safe_owner"
        )
    conflicted = {a.lower() for a in handler_for(op).conflicted(op)}
    if recovered.lower() in conflicted:
        others = max(
            state.threshold - valid_signature_count(op, state.owners, exclude=recovered), 0
        )
        raise Forbidden(
            f"{recovered} is the applicant or the payout address of this grant and may not "
            f"sign it; {others} other steward(s) must sign.",
            code="steward_conflicted",
            extra={"others_needed": others},
        )
    with transaction.atomic():
        op = ChainOperation.objects.select_for_update().get(pk=op.pk)
        if op.state not in (ST.COLLECTING, ST.READY):
            raise Conflict(
                "This operation takes no more signatures.", code="operation_not_signable"
            )
        OperationSignature.objects.get_or_create(
            operation=op, signer=recovered, defaults={"signature": str(signature)}
        )
        op.threshold, op.owners = state.threshold, list(state.owners)
        if op.state == ST.COLLECTING and valid_signature_count(op, state.owners) >= state.threshold:
            op.state = ST.READY
            handler_for(op).on_ready(op)
            _enqueue_relay(op.pk)
        op.save(update_fields=["threshold", "owners", "state", "updated_at"])
        touch_subject(op)
    return op


# --- steward actions and the beat ------------------------------------------------------------


def operation_clear_failure(*, operation_id: int) -> None:
    """Forget a ready operation's failure, so the next relay sends again (a steward retried)."""
    ChainOperation.objects.filter(pk=operation_id, state=ST.READY).exclude(failure_code="").update(
        failure_code="", failure_reason="", updated_at=timezone.now()
    )


def operation_retry(*, operation_id: int) -> ChainOperation:
    """Clear a failure and relay again after commit (the signatures are still valid)."""
    with transaction.atomic():
        operation_clear_failure(operation_id=operation_id)
        op = ChainOperation.objects.get(pk=operation_id)
        if op.state == ST.READY:
            _enqueue_relay(op.pk)
    return op


def operation_abandon(*, operation_id: int, reason: str) -> None:
    """A pending operation that no longer makes sense (its subject moved on)."""
    ChainOperation.objects.filter(pk=operation_id, state__in=(ST.COLLECTING, ST.READY)).update(
        state=ST.ABANDONED, failure_reason=reason, updated_at=timezone.now()
    )


def operations_due(*, now: datetime | None = None) -> list[int]:
    """Beat: ready operations nobody is relaying (a lost task), and sending ones whose worker's
    lease lapsed (a crash after sending): enqueue their relay. Idempotent (the relay claims)."""
    now = now or timezone.now()
    if not (settings.JCTGOV_EXECUTOR_KEY or settings.JCTGOV_EXECUTOR_KEYSTORE):
        return []  # no relayer: signed operations wait (pages say so)
    ready = Q(state=ST.READY, failure_code="", updated_at__lt=now - timedelta(seconds=30))
    ids = list(
        ChainOperation.objects.filter(lapsed_claim(now) | ready).values_list("pk", flat=True)[:100]
    )
    for pk in ids:
        relay_operation.delay(pk)
    return ids
