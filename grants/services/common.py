"""Helpers shared by the grants services: row locks, state checks, role checks, inputs."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from django.db import models
from eth_utils import to_checksum_address

from jctgov.core.addresses import MIXED_CASE_TYPO
from jctgov.core.errors import ApplicationError, Conflict, Forbidden, NotFound, Unauthorized

M = TypeVar("M", bound=models.Model)
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}\Z")  # \Z: "$" would let a trailing "\n" in
MAX_AMOUNT = 10**9 * 10**18  # one billion JCT: more than the supply, a typo guard


def locked(model: type[M], pk: Any, code: str, what: str) -> M:
    """``model`` row ``pk`` under ``SELECT ... FOR UPDATE`` (call inside transaction.atomic)."""
    try:
        return model.objects.select_for_update().get(pk=pk)  # type: ignore[attr-defined]
    except (model.DoesNotExist, ValueError, TypeError):  # type: ignore[attr-defined]
        raise NotFound(f"No such {what}.", code=code) from None


def hide_unless_visible(application: Any, actor: Any, code: str, what: str) -> None:
    """404 (as for a missing row) when ``actor`` may not see ``application``: a 403 would tell
    a stranger that someone's draft or undecided application (or its milestone) exists."""
    from grants.selectors import can_view_application

    if not can_view_application(application, actor):
        raise NotFound(f"No such {what}.", code=code)


def require_state(obj: Any, states: tuple[str, ...], *, code: str, action: str) -> None:
    if obj.state not in states:
        raise Conflict(
            f"Can't {action}: it is {obj.get_state_display().lower()}.",
            code=code,
            extra={"state": obj.state},
        )


def require_signed_in(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Unauthorized("Sign in with your wallet first.")


def require_steward(actor: Any) -> None:
    require_signed_in(actor)
    if not actor.is_steward:
        raise Forbidden("Only stewards can do this.", code="not_steward")


def checksummed_address(value: Any, field: str) -> str:
    """The EIP-55 form of ``value``. All-lower or all-upper hex is accepted (it carries no
    checksum); a mixed case IS a checksum, so one that fails it (a typo) can't pass."""
    if not isinstance(value, str) or not _ADDRESS.match(value):
        raise ApplicationError("Not an Ethereum address.", code="invalid_address", field=field)
    checksummed = to_checksum_address(value)
    digits = value[2:]
    if value != checksummed and digits not in (digits.lower(), digits.upper()):
        raise ApplicationError(MIXED_CASE_TYPO, code="address_not_checksummed", field=field)
    return checksummed


def token_amount(value: Any, field: str, *, allow_zero: bool = False) -> int:
    """An integer wei amount from an int or a decimal string; never a float."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ApplicationError(
            "Send amounts as integer wei strings.", code="invalid_amount", field=field
        )
    try:
        amount = int(str(value).strip()) if not isinstance(value, int) else value
    except (TypeError, ValueError):
        raise ApplicationError(
            "Not an integer amount of wei.", code="invalid_amount", field=field
        ) from None
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ApplicationError(
            "The amount must be greater than zero.", code="amount_not_positive", field=field
        )
    if amount > MAX_AMOUNT:
        raise ApplicationError(
            "The amount exceeds one billion JCT.", code="amount_too_large", field=field
        )
    return amount
