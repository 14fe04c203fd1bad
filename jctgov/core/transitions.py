"""State transitions, checked against the model's table (``jctgov.core.states``).

:func:`require` refuses with the model's 409; :func:`transition` checks, moves, saves and writes
the audit row, in the caller's transaction, on a row the caller locked (``jctgov.core.db.locked``).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

from jctgov.core.errors import Conflict
from jctgov.core.services import audit_record
from jctgov.core.states import Transition, rule

M = TypeVar("M", bound=models.Model)


def require(obj: Any, action: str) -> Transition:
    """The transition, or 409 with the model's refusal when the current state doesn't allow it.

    ``obj``: a model instance with a ``state`` choices field, ``TRANSITIONS`` and
    ``STATE_REFUSAL``."""
    declared = rule(obj, action)
    state = obj.state
    if state not in declared.sources:
        refusal: tuple[str, str] = type(obj).STATE_REFUSAL
        code, message = refusal
        label = obj.get_state_display().lower()
        raise Conflict(
            (declared.message or message).format(
                verb=declared.verb or action, state=label, target=declared.target
            ),
            code=declared.code or code,
            extra={"state": state},
        )
    return declared


def transition(
    obj: M,
    action: str,
    *,
    actor: Any = None,
    to: str | None = None,
    data: dict[str, Any] | None = None,
    audit: str = "",
    clean: bool = False,
    **fields: Any,
) -> M:
    """Move locked ``obj`` by ``action``: check the state (:func:`require`), set the new state
    (``to``, else the declared target) and ``fields``, optionally ``full_clean()``, save the
    row and write its audit row (``audit`` overrides the declared action name).

    Call inside the transaction that locked the row, so the check and the change are one
    step. Idempotence is the caller's: check :func:`can` first where a rerun must be a no-op.
    """
    declared = require(obj, action)
    target = to or declared.target
    if target is None:
        raise ValueError(f"{type(obj).__name__}.{action} needs an explicit target state")
    before = obj.state  # type: ignore[attr-defined]
    obj.state = target  # type: ignore[attr-defined]
    for name, value in fields.items():
        setattr(obj, name, value)
    if clean:
        obj.full_clean()
    obj.save()
    audit_record(
        subject=obj,
        action=audit or declared.audit or action,
        actor=actor,
        from_state=before,
        to_state=target,
        data=data,
    )
    return obj
