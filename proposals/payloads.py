"""Typed payloads of the three proposal kinds, validated with precise errors.

Each validator takes the client's JSON and returns a canonical payload (amounts and values as
decimal strings, since they exceed what JSON numbers carry exactly in browsers) or raises
ApplicationError naming the field at fault, e.g. ``payload.changes[1].value``.

- ``parameters``: ``{"changes": [{"key", "value"}, ...]}`` (a bare list is accepted too);
  every key registered, every value inside its bounds, no key twice.
- ``grant_budget``: ``{"program_name", "description", "amount"}`` to create a program, or
  ``{"top_up_program_id", "amount"}`` to top up an existing one; amount in JCT wei.
- ``recognition``: ``{"recipients": [{"recipient", "amount", "reason"}, ...]}`` (a bare list is
  accepted); EIP-55 checksummed, distinct recipients, each amount > 0.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps

from jctgov.core.addresses import checksummed_address
from jctgov.core.amounts import MAX_AMOUNT, amount_in_range
from jctgov.core.errors import ApplicationError
from jctgov.core.parameters import coerce_int, get_parameter, validate_value
from jctgov.core.text import text_problem

MAX_CHANGES = 20
MAX_RECIPIENTS = 200
MAX_REASON = 500
MAX_PROGRAM_NAME = 128
MAX_PROGRAM_DESCRIPTION = 5_000


def _invalid(message: str, field: str, code: str = "invalid_payload") -> ApplicationError:
    return ApplicationError(message, code=code, field=field)


def _as_object(payload: Any, field: str) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise _invalid("Expected a JSON object.", field)
    return payload


def _items(payload: Any, list_key: str, field: str, limit: int) -> list[Any]:
    items = payload.get(list_key) if isinstance(payload, dict) else payload
    path = f"{field}.{list_key}"
    if not isinstance(items, list):
        raise _invalid(f"Expected a list under {list_key!r}.", path)
    if not items:
        raise _invalid("Add at least one entry.", path, code="payload_empty")
    if len(items) > limit:
        raise _invalid(f"At most {limit} entries.", path, code="payload_too_large")
    return items


def _amount(value: Any, field: str) -> int:
    if value is None:
        raise _invalid("This field is required.", field, code="field_required")
    return amount_in_range(coerce_int(value, field=field), field)


def _text(value: Any, field: str, limit: int, *, required: bool = True) -> str:
    if value is None or value == "":
        if required:
            raise _invalid("This field is required.", field, code="field_required")
        return ""
    if not isinstance(value, str):
        raise _invalid("Expected text.", field)
    if problem := text_problem(value):
        raise _invalid(problem[1], field, code=problem[0])
    value = value.strip()
    if required and not value:
        raise _invalid("This field is required.", field, code="field_required")
    if len(value) > limit:
        raise _invalid(f"At most {limit} characters.", field, code="text_too_long")
    return value


def validate_parameters(payload: Any, field: str = "payload") -> dict[str, Any]:
    changes: list[dict[str, str]] = []
    seen: set[str] = set()
    for index, item in enumerate(_items(payload, "changes", field, MAX_CHANGES)):
        path = f"{field}.changes[{index}]"
        item = _as_object(item, path)
        key = item.get("key")
        if not isinstance(key, str) or not key:
            raise _invalid("This field is required.", f"{path}.key", code="field_required")
        try:
            get_parameter(key)
        except ApplicationError as exc:
            raise _invalid(exc.message, f"{path}.key", code=exc.code) from None
        if key in seen:
            raise _invalid(
                f"{key} is changed twice; keep one entry.",
                f"{path}.key",
                code="duplicate_parameter",
            )
        seen.add(key)
        if item.get("value") is None:
            raise _invalid("This field is required.", f"{path}.value", code="field_required")
        value = validate_value(key, item["value"], field=f"{path}.value")
        changes.append({"key": key, "value": str(value)})
    return {"changes": changes}


def validate_grant_budget(payload: Any, field: str = "payload") -> dict[str, Any]:
    payload = _as_object(payload, field)
    amount = _amount(payload.get("amount"), f"{field}.amount")
    if payload.get("top_up_program_id") is not None:
        if payload.get("program_name"):
            raise _invalid(
                "Either create a program (program_name) or top one up (top_up_program_id).",
                f"{field}.program_name",
            )
        program_id = coerce_int(payload["top_up_program_id"], field=f"{field}.top_up_program_id")
        if program_id <= 0 or not _program_exists(program_id):
            raise _invalid(
                f"There is no grant program #{program_id} to top up.",
                f"{field}.top_up_program_id",
                code="program_not_found",
            )
        return {"top_up_program_id": program_id, "amount": str(amount)}
    return {
        "program_name": _text(
            payload.get("program_name"), f"{field}.program_name", MAX_PROGRAM_NAME
        ),
        "description": _text(
            payload.get("description"),
            f"{field}.description",
            MAX_PROGRAM_DESCRIPTION,
            required=False,
        ),
        "amount": str(amount),
    }


def _program_exists(program_id: int) -> bool:
    """Whether grant program ``program_id`` exists (the grants app owns programs)."""
    return apps.get_model("grants", "Program").objects.filter(pk=program_id).exists()


def validate_recognition(payload: Any, field: str = "payload") -> dict[str, Any]:
    recipients: list[dict[str, str]] = []
    seen: set[str] = set()
    total = 0
    for index, item in enumerate(_items(payload, "recipients", field, MAX_RECIPIENTS)):
        path = f"{field}.recipients[{index}]"
        item = _as_object(item, path)
        address = checksummed_address(item.get("recipient"), f"{path}.recipient")
        if address in seen:
            raise _invalid(
                f"{address} is listed twice; merge the entries.",
                f"{path}.recipient",
                code="duplicate_recipient",
            )
        seen.add(address)
        amount = _amount(item.get("amount"), f"{path}.amount")
        total += amount
        reason = _text(item.get("reason"), f"{path}.reason", MAX_REASON)
        recipients.append({"recipient": address, "amount": str(amount), "reason": reason})
    if total <= 0 or total > MAX_AMOUNT:
        raise _invalid(
            "The total must be between 1 wei and one billion JCT.",
            f"{field}.recipients",
            code="amount_not_positive" if total <= 0 else "amount_too_large",
        )
    return {"recipients": recipients, "total": str(total)}


VALIDATORS = {
    "parameters": validate_parameters,
    "grant_budget": validate_grant_budget,
    "recognition": validate_recognition,
}


def validate_payload(kind: str, payload: Any) -> dict[str, Any]:
    """The canonical payload for ``kind``, or ApplicationError with the exact field at fault."""
    try:
        validator = VALIDATORS[kind]
    except KeyError:
        raise _invalid(f"Unknown proposal kind {kind!r}.", "kind", code="invalid_kind") from None
    return validator(payload)
