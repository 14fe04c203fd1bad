"""What each subject (a proposal, a milestone) does around its chain operations.

Services register a ``Handler`` per (subject type, operation kind) at import; the chain-operation
kit (``jctgov.chain.operations``) calls it to check, record and refuse. Import ``Handler`` and
``register`` from ``jctgov.chain.operations``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jctgov.chain.models import ChainOperation


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


def handler_for(op: ChainOperation) -> Handler:
    """The registered handler of ``op``'s subject and kind."""
    return HANDLERS[(op.subject_type, op.kind)]


def touch_subject(op: ChainOperation) -> None:
    """Tell the subject its operation changed (pages cached by the subject's version)."""
    handler = HANDLERS.get((op.subject_type, op.kind))
    if handler is not None:
        handler.touch(op)
