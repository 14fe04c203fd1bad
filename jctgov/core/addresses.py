"""Ethereum addresses typed by people: any case accepted, a broken checksum refused.

One implementation for services (:func:`checksummed_address`) and API input
(:class:`AddressField`). All-lower and all-upper hex carry no checksum and are accepted as
typed; a mixed case IS an EIP-55 checksum, so one that fails it is a typo and is refused."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from jctgov.core.eip55 import HEX_ADDRESS, checksum
from jctgov.core.errors import ApplicationError

NOT_AN_ADDRESS = "Not an Ethereum address."
# The refusal of a mixed-case address whose EIP-55 checksum fails (a typo, not a case choice).
MIXED_CASE_TYPO = (
    "This address's mixed-case checksum (EIP-55) does not match: it probably has a typo. "
    "Copy it again, or type it all in lowercase."
)
TYPO = ("address_not_checksummed", MIXED_CASE_TYPO)


def checksummed_address(
    value: Any,
    field: str = "address",
    *,
    invalid: tuple[str, str] = ("invalid_address", NOT_AN_ADDRESS),
    typo: tuple[str, str] | None = TYPO,
) -> str:
    """The EIP-55 form of ``value``, else ApplicationError (400) naming ``field``.

    ``invalid`` is the (code, message) for something that is no address at all, ``typo`` the
    one for a failing mixed-case checksum (None: case is ignored, as in a search)."""
    if not isinstance(value, str) or not HEX_ADDRESS.match(value):
        raise ApplicationError(invalid[1], code=invalid[0], field=field)
    checksummed = checksum(value)
    digits = value[2:]
    if typo and value != checksummed and digits not in (digits.lower(), digits.upper()):
        raise ApplicationError(typo[1], code=typo[0], field=field)
    return checksummed


_EITHER = (
    "invalid_address",
    "Not an Ethereum address (or its mixed-case checksum is wrong).",
)


def address_any_case(value: Any, field: str = "address") -> str:
    """:func:`checksummed_address` with one refusal for both faults: 400 ``invalid_address``."""
    return checksummed_address(value, field, invalid=_EITHER, typo=_EITHER)


def is_address_any_case(value: Any) -> bool:
    try:
        address_any_case(value)
    except ApplicationError:
        return False
    return True


class AddressField(serializers.CharField):
    """A serializer field for :func:`checksummed_address`: validated data is checksummed, and
    the refusal keeps its code (``invalid_address``, ``address_not_checksummed``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 42)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        try:
            return checksummed_address(data, self.field_name or "address")
        except ApplicationError as exc:
            raise serializers.ValidationError(exc.message, code=exc.code) from None
