"""Opening chain operations, and rebuilding Safe ones whose nonce another SafeTx used.

Part of the chain-operation kit: import from ``jctgov.chain.operations``.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from jctgov.chain import client, safe
from jctgov.chain.domain import SAFE_KINDS
from jctgov.chain.handlers import touch_subject
from jctgov.chain.models import (
    LIVE_OPERATION_STATES,
    ChainOperation,
    OperationState,
)
from jctgov.core.errors import NotFound

ST = OperationState


def live_operation(subject_type: str, subject_id: int, kind: str) -> ChainOperation | None:
    """The operation of (subject, kind) that is not finished yet, if any (at most one)."""
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
            touch_subject(op)
            return op
    except IntegrityError:  # opened concurrently: the other one is the live row
        existing = live_operation(subject_type, subject_id, kind)
        if existing is None:
            raise
        return existing


def get_operation(operation_id: int) -> ChainOperation:
    """The operation by id; 404 ``operation_not_found`` otherwise."""
    try:
        return ChainOperation.objects.get(pk=operation_id)
    except (ChainOperation.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such chain operation.", code="operation_not_found") from exc


def valid_signature_count(
    op: ChainOperation, owners: tuple[str, ...] | list[str], exclude: str = ""
) -> int:
    """Signatures of ``op`` by current ``owners`` (but ``exclude``)."""
    return (
        op.signatures.filter(signer__in=list(owners)).exclude(signer=exclude).count()
        if exclude
        else op.signatures.filter(signer__in=list(owners)).count()
    )


def current_rebuild(op: ChainOperation) -> ChainOperation | None:
    """The live operation that replaced a superseded ``op``, if any."""
    return live_operation(op.subject_type, op.subject_id, op.kind)


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
        if safe.find_execution(old.signed_safe_tx_hash) is not None:
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
