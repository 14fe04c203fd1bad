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

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from jctgov.chain import client, safe
from jctgov.chain.client import ChainError, ChainUnavailable
from jctgov.chain.models import (
    LIVE_OPERATION_STATES,
    ChainOperation,
    OperationKind,
    OperationSignature,
    OperationState,
)
from jctgov.core.errors import ApplicationError, Conflict, Forbidden, NotFound

logger = logging.getLogger(__name__)
ST = OperationState
LIVE_STATES = LIVE_OPERATION_STATES
SAFE_KINDS = (OperationKind.SCHEDULE, OperationKind.CANCEL, OperationKind.PAYOUT)


@dataclass
class Handler:
    """What a subject (a proposal, a milestone) does around one kind of operation.

    ``check(op)`` runs before sending: raise ApplicationError to refuse, return a step
    ({"tx_hash", "block_number"}) when the effect is already on chain, None to send.
    ``on_done(op, step, reconciled)`` and ``on_failed(op, code, reason)`` run inside the
    recording transaction. ``on_ready(op)`` runs inside the transaction that reached the
    threshold. ``conflicted(op)`` lists addresses that must not sign (conflicts of interest).
    """

    check: Callable[[ChainOperation], dict[str, Any] | None]
    on_done: Callable[[ChainOperation, dict[str, Any], bool], None]
    on_failed: Callable[[ChainOperation, str, str], None] = lambda op, code, reason: None
    on_ready: Callable[[ChainOperation], None] = lambda op: None
    conflicted: Callable[[ChainOperation], set[str]] = field(default=lambda op: set())
    touch: Callable[[ChainOperation], None] = lambda op: None  # the subject's page changed


HANDLERS: dict[tuple[str, str], Handler] = {}


def register(subject_type: str, kind: str, handler: Handler) -> None:
    HANDLERS[(subject_type, str(kind))] = handler


def _handler(op: ChainOperation) -> Handler:
    return HANDLERS[(op.subject_type, op.kind)]


def _touch(op: ChainOperation) -> None:
    """Tell the subject its operation changed (pages cached by the subject's version)."""
    handler = HANDLERS.get((op.subject_type, op.kind))
    if handler is not None:
        handler.touch(op)


def _lease() -> timedelta:
    return timedelta(seconds=settings.JCTGOV_CHAIN_LEASE_S)


def _enqueue_relay(operation_id: int) -> None:
    from jctgov.chain.tasks import relay_operation

    relay_operation.delay(operation_id)  # sent once the caller commits (the task base)


# --- open ---------------------------------------------------------------------------------


def live_operation(subject_type: str, subject_id: int, kind: str) -> ChainOperation | None:
    return ChainOperation.objects.filter(
        subject_type=subject_type, subject_id=subject_id, kind=kind, state__in=LIVE_OPERATION_STATES
    ).first()


def operation_open(
    *,
    kind: str,
    subject_type: str,
    subject_id: int,
    to: str,
    data: bytes,
    description: str,
    note: str = "",
    rebuilt_from: ChainOperation | None = None,
    rebuilt_reason: str = "",
) -> ChainOperation:
    """The live operation of (subject, kind), created if there is none. Idempotent (a DB
    constraint keeps one live row per subject and kind).

    Safe kinds get a SafeTx at the Safe's current nonce and wait for signatures; an execute is
    ready at once. Reads the chain (Safe owners, threshold, nonce) before writing."""
    existing = live_operation(subject_type, subject_id, kind)
    if existing is not None:
        return existing
    fields: dict[str, Any] = {
        "kind": kind,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "to": to,
        "data": "0x" + bytes(data).hex(),
        "description": description,
        "note": note,
        "chain_id": int(client.deployments()["chain_id"]),
        "rebuilt_from": rebuilt_from,
        "rebuilt_reason": rebuilt_reason,
    }
    if kind in SAFE_KINDS:
        state = safe.safe_state()
        safe_tx = safe.build_safe_tx(to=to, data=data, nonce=state.nonce)
        fields.update(
            safe=state.address,
            safe_nonce=state.nonce,
            safe_tx_hash=safe.safe_tx_hash(safe_tx),
            threshold=state.threshold,
            owners=list(state.owners),
            state=ST.COLLECTING,
        )
    else:
        fields["state"] = ST.READY
    try:
        with transaction.atomic():
            op = ChainOperation.objects.create(**fields)
            _touch(op)
            return op
    except IntegrityError:  # opened concurrently: the other one is the live row
        existing = live_operation(subject_type, subject_id, kind)
        if existing is None:
            raise
        return existing


def get_operation(operation_id: int) -> ChainOperation:
    try:
        return ChainOperation.objects.get(pk=operation_id)
    except (ChainOperation.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such chain operation.", code="operation_not_found") from exc


def safe_tx_of(op: ChainOperation) -> Any:
    return safe.build_safe_tx(to=op.to, data=op.data, nonce=int(op.safe_nonce or 0))


def typed_data(op: ChainOperation) -> dict[str, Any]:
    """The SafeTx typed data a steward signs with eth_signTypedData_v4."""
    if not op.safe:
        raise Conflict("This operation needs no signatures.", code="operation_not_signable")
    return safe.typed_data(safe_tx_of(op))


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
        current = _current_rebuild(op)
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
        recovered = safe.recover_signer(op.safe_tx_hash, signature)  # type: ignore[arg-type]
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
    conflicted = {a.lower() for a in _handler(op).conflicted(op)}
    if recovered.lower() in conflicted:
        others = max(state.threshold - _valid_count(op, state.owners, exclude=recovered), 0)
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
        if op.state == ST.COLLECTING and _valid_count(op, state.owners) >= state.threshold:
            op.state = ST.READY
            _handler(op).on_ready(op)
            _enqueue_relay(op.pk)
        op.save(update_fields=["threshold", "owners", "state", "updated_at"])
        _touch(op)
    return op


def _valid_count(op: ChainOperation, owners: tuple[str, ...] | list[str], exclude: str = "") -> int:
    return (
        op.signatures.filter(signer__in=list(owners)).exclude(signer=exclude).count()
        if exclude
        else op.signatures.filter(signer__in=list(owners)).count()
    )


def _current_rebuild(op: ChainOperation) -> ChainOperation | None:
    return live_operation(op.subject_type, op.subject_id, op.kind)


# --- rebuild ------------------------------------------------------------------------------


def operations_rebuild_stale(*, state: safe.SafeState | None = None) -> dict[int, ChainOperation]:
    """Pending Safe operations whose nonce another SafeTx used: mark them superseded and open
    the same call at the Safe's current nonce (signatures must be given again; the new row
    says why). Returns {old id: new operation}. Idempotent."""
    state = state or safe.safe_state()
    stale = ChainOperation.objects.filter(
        state__in=(ST.COLLECTING, ST.READY), safe_nonce__lt=state.nonce
    ).exclude(safe="")
    rebuilt: dict[int, ChainOperation] = {}
    for old in stale:
        if safe.find_execution(old.safe_tx_hash) is not None:  # type: ignore[arg-type]
            continue  # it did run: the relay records it
        with transaction.atomic():
            locked = ChainOperation.objects.select_for_update().get(pk=old.pk)
            if locked.state not in (ST.COLLECTING, ST.READY):
                continue
            reason = (
                f"Safe nonce {locked.safe_nonce} was used by another Safe transaction before "
                "this one reached its signatures; it was rebuilt at the next nonce."
            )
            locked.state, locked.rebuilt_reason = ST.SUPERSEDED, reason
            locked.save(update_fields=["state", "rebuilt_reason", "updated_at"])
        rebuilt[old.pk] = operation_open(
            kind=old.kind,
            subject_type=old.subject_type,
            subject_id=old.subject_id,
            to=old.to,
            data=bytes.fromhex(old.data[2:]),
            description=old.description,
            note=old.note,
            rebuilt_from=old,
            rebuilt_reason=reason,
        )
    return rebuilt


# --- relay --------------------------------------------------------------------------------


def _claim(operation_id: int, now: datetime) -> bool:
    fresh = Q(state=ST.READY, failure_code="")
    lapsed = Q(state=ST.SENDING) & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - _lease()))
    rows = ChainOperation.objects.filter(fresh | lapsed, pk=operation_id)
    return rows.update(state=ST.SENDING, claimed_at=now, attempts=F("attempts") + 1) == 1


def _release(operation_id: int, *, to_state: str = ST.READY, **fields: Any) -> None:
    ChainOperation.objects.filter(pk=operation_id, state=ST.SENDING).update(
        state=to_state, claimed_at=None, updated_at=timezone.now(), **fields
    )
    _touch(ChainOperation.objects.get(pk=operation_id))


def operation_relay(*, operation_id: int, now: datetime | None = None) -> ChainOperation:
    """Task body: relay an operation at most once (module docstring). Idempotent, crash-safe.

    Raises ChainUnavailable (claim released) so the task retries; everything else is recorded.
    """
    now = now or timezone.now()
    if not _claim(operation_id, now):
        return get_operation(operation_id)
    op = get_operation(operation_id)
    try:
        step = None
        if op.safe:
            step = _safe_precheck(op)
            if step is False:
                return get_operation(operation_id)
        if step is None:
            step = _handler(op).check(op)
        reconciled = step is not None
        if step is None:
            step = _send(op)
        return _record_done(op.pk, step, reconciled=reconciled)  # type: ignore[arg-type]
    except ChainUnavailable:
        _release(operation_id)
        raise
    except ApplicationError as exc:
        return _record_failed(op.pk, exc.code, exc.message)
    finally:
        if op.safe:
            _rebuild_quietly()


def _safe_precheck(op: ChainOperation) -> dict[str, Any] | None | bool:
    """Already relayed → its step; nonce taken → rebuilt (False); below threshold → back to
    collecting (False); else None (go on)."""
    state = safe.safe_state()
    # A SafeTx that ran used its nonce: only when the Safe's nonce moved past ours can it have
    # run already (a crash after relaying), so only then are the Safe's logs read.
    done = safe.find_execution(op.safe_tx_hash) if state.nonce > int(op.safe_nonce or 0) else None  # type: ignore[arg-type]
    if done is not None:
        if not done["success"]:
            raise ApplicationError("The Safe transaction failed on chain.", code="safe_tx_failed")
        return done
    if state.nonce > int(op.safe_nonce or 0):
        _release(op.pk)
        operations_rebuild_stale(state=state)
        return False
    if _valid_count(op, state.owners) < state.threshold:
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
        if op.safe and (landed := safe.find_execution(op.safe_tx_hash)) is not None:  # type: ignore[arg-type]
            return landed  # an earlier send of ours landed in between
        if op.safe and exc.revert == "GS013":  # the inner call reverted: say why
            raise _inner_revert(op, exc) from exc
        raise


def _inner_revert(op: ChainOperation, exc: ChainError) -> ChainError:
    """The Safe hides its inner call's revert behind GS013: replay the call from the Safe's
    address to name it (e.g. "TimelockUnexpectedOperationState", "ExceedsRemaining")."""
    try:
        with client._rpc(f"{op.kind} from the Safe"):
            client.get_web3().eth.call({"from": op.safe, "to": op.to, "data": op.data})  # type: ignore[typeddict-item]
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
    _handler(op).on_done(op, step, reconciled)
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
    _handler(op).on_failed(op, code, reason)
    logger.warning("chain operation %s failed (%s): %s", op.pk, code, reason)
    return op


def _rebuild_quietly() -> None:
    try:
        operations_rebuild_stale()
    except (ChainError, ChainUnavailable) as exc:  # the beat tries again
        logger.warning("rebuilding stale Safe transactions skipped: %s", exc)


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
    lapsed = Q(state=ST.SENDING) & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - _lease()))
    ready = Q(state=ST.READY, failure_code="", updated_at__lt=now - timedelta(seconds=30))
    ids = list(ChainOperation.objects.filter(lapsed | ready).values_list("pk", flat=True)[:100])
    from jctgov.chain.tasks import relay_operation

    for pk in ids:
        relay_operation.delay(pk)
    return ids
