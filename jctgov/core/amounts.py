"""Token amounts as people send them: integer wei, as a JSON integer or a decimal string.

One implementation for services (:func:`token_amount`) and API input (:class:`TokenAmountField`).
Never a float: 0.1 JCT has no exact binary form, and 10^27-scale amounts exceed 2^53."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from jctgov.core.errors import ApplicationError

MAX_AMOUNT = 10**9 * 10**18  # one billion JCT: more than the supply, a typo guard


def token_amount(value: Any, field: str, *, allow_zero: bool = False) -> int:
    """``value`` as an int of wei in (0, MAX_AMOUNT] (or [0, …] with ``allow_zero``), else
    ApplicationError naming ``field``: ``invalid_amount``, ``amount_not_positive`` or
    ``amount_too_large``."""
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
    return amount_in_range(amount, field, allow_zero=allow_zero)


def amount_in_range(amount: int, field: str, *, allow_zero: bool = False) -> int:
    """``amount`` if it is positive (or zero, with ``allow_zero``) and at most MAX_AMOUNT."""
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ApplicationError(
            "The amount must be greater than zero.", code="amount_not_positive", field=field
        )
    if amount > MAX_AMOUNT:
        raise ApplicationError(
            "The amount exceeds one billion JCT.", code="amount_too_large", field=field
        )
    return amount


class TokenAmountField(serializers.Field):
    """A serializer field for :func:`token_amount`: validated data is an int of wei; output is
    a decimal string (JSON numbers lose digits above 2^53 in browsers)."""

    def __init__(self, *, allow_zero: bool = False, **kwargs: Any) -> None:
        self.allow_zero = allow_zero
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        try:
            return token_amount(data, self.field_name or "amount", allow_zero=self.allow_zero)
        except ApplicationError as exc:
            raise serializers.ValidationError(exc.message, code=exc.code) from None

    def to_representation(self, value: Any) -> str:
        return str(int(value))


class TokenAmountText(serializers.CharField):
    """A token amount as the API documents it: integer wei as a decimal string (uint256 values
    exceed what a JSON number carries exactly in a browser). One name for every API's amount
    fields; where the API takes the text as it is, the service validates it (``token_amount``),
    where it parses it, :class:`TokenAmountField` does."""
