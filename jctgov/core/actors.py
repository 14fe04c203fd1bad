"""Who may act: the checks services run on their ``actor`` before anything else."""

from __future__ import annotations

from typing import Any

from jctgov.core.errors import Forbidden, Unauthorized


def is_signed_in(actor: Any) -> bool:
    return actor is not None and bool(getattr(actor, "is_authenticated", False))


def require_signed_in(actor: Any) -> None:
    """401 ``not_authenticated`` unless ``actor`` is a signed-in wallet."""
    if not is_signed_in(actor):
        raise Unauthorized("Sign in with your wallet first.")


def require_steward(actor: Any, what: str = "can do this") -> None:
    """401 when signed out; 403 ``not_steward`` ("Only stewards <what>.") for anyone else."""
    require_signed_in(actor)
    if not actor.is_steward:
        raise Forbidden(f"Only stewards {what}.", code="not_steward")
