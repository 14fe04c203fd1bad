"""OpenAPI details shared by every API: the error shape and codes, session auth, component names.

The error codes of each operation come from the registry (jctgov.core.error_codes): a view
names its codes with :func:`error_responses`; :class:`AutoSchema` adds the common ones, and
writes them per status as an enum on ``error.code`` and in the operation's ``x-error-codes``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeAlias

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from jctgov.core import error_codes as E
from jctgov.core.error_codes import ErrorCode

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "machine-readable, snake_case"},
                "message": {"type": "string", "description": "a human sentence"},
                "field": {"type": "string", "description": "the input field at fault, if any"},
            },
            "additionalProperties": True,
        }
    },
}
# Codes any operation may answer, by status; an operation's own codes (error_responses) are
# added to these. Every error response then lists its codes as an enum on ``error.code``, and the
# operation lists them all by status in ``x-error-codes``: both built from the registry.
_DEFAULT_ERRORS: dict[int, tuple[str, tuple[ErrorCode, ...]]] = {
    400: (
        "Invalid input.",
        (
            E.MALFORMED_REQUEST,
            E.INVALID_INPUT,
            E.FIELD_REQUIRED,
            E.TEXT_TOO_LONG,
            E.INVALID_TEXT,
            E.BIDI_CONTROL_CHARACTER,
        ),
    ),
    401: ("Not signed in, or the credential was refused.", (E.NOT_AUTHENTICATED,)),
    403: ("Not allowed (or the CSRF token is missing).", (E.PERMISSION_DENIED,)),
    404: ("No such object.", (E.NOT_FOUND,)),
    405: ("Method not allowed.", (E.METHOD_NOT_ALLOWED,)),
    413: ("The request body is over the size limit.", (E.REQUEST_TOO_LARGE,)),
    415: ("Send JSON.", (E.UNSUPPORTED_MEDIA_TYPE,)),
    429: ("Too many requests; retry after Retry-After seconds.", (E.RATE_LIMITED,)),
}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
}
ERROR_CODES_KEY = "x-error-codes"


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="machine-readable, snake_case")
    message = serializers.CharField(help_text="a human sentence")
    field = serializers.CharField(required=False, help_text="the input field at fault, if any")


class ErrorSerializer(serializers.Serializer):
    """The one error body of the API (component "Error")."""

    error = ErrorDetailSerializer()


class ErrorResponse(OpenApiResponse):
    """The error response of one status of an operation, carrying its registered codes."""

    def __init__(self, codes: list[ErrorCode]) -> None:
        super().__init__(response=ErrorSerializer)
        self.codes = codes


# One registry entry, or a group of them (groups may nest).
ErrorCodes: TypeAlias = ErrorCode | Iterable["ErrorCodes"]


def _flatten(codes: Iterable[ErrorCodes]) -> Iterator[ErrorCode]:
    for item in codes:
        if isinstance(item, ErrorCode):
            yield item
        else:
            yield from _flatten(item)


def error_responses(*codes: ErrorCodes) -> dict[int, ErrorResponse]:
    """Document the codes an operation answers with, beyond the common ones (_DEFAULT_ERRORS):
    registry entries, or groups of them, e.g. ``error_responses(E.NOT_STEWARD, PAYLOAD_ERRORS)``.
    Each lands under its registered status (``E.BAD_SIGNATURE.at(401)`` picks another)."""
    by_status: dict[int, list[ErrorCode]] = {}
    for code in _flatten(codes):
        by_status.setdefault(code.status, []).append(code)
    return {status: ErrorResponse(listed) for status, listed in by_status.items()}


class AutoSchema(BaseAutoSchema):
    def get_serializer_name(self, serializer, direction):
        # Views nest InputSerializer/OutputSerializer; name components after the view so
        # "MeApi.OutputSerializer" and "LoginApi.OutputSerializer" do not collide.
        cls = serializer if isinstance(serializer, type) else serializer.__class__
        qualname = cls.__qualname__
        if "." in qualname:
            return qualname.replace("Serializer", "").replace(".", "")
        return super().get_serializer_name(serializer, direction)

    def get_operation(self, *args: Any, **kwargs: Any) -> dict | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        declared: dict[int, list[ErrorCode]] = {}
        overrides: Any = self.get_response_serializers()
        for status, response in overrides.items() if isinstance(overrides, dict) else ():
            if isinstance(response, ErrorResponse):
                declared.setdefault(int(status), []).extend(response.codes)
        responses = operation.setdefault("responses", {})
        statuses = set(_DEFAULT_ERRORS) | set(declared)
        statuses |= {int(s) for s in responses if str(s)[0] in "45"}
        listed: dict[str, list[str]] = {}
        for status in sorted(statuses):
            description, common = _DEFAULT_ERRORS.get(status, ("", ()))
            codes = {c.code: c for c in (*common, *declared.get(status, ()))}
            ordered = [codes[name] for name in sorted(codes)]
            responses[str(status)] = _error_response(status, description, ordered)
            listed[str(status)] = sorted(codes)
        operation[ERROR_CODES_KEY] = listed
        return operation


def _error_response(status: int, description: str, codes: list[ErrorCode]) -> dict:
    meanings = "\n".join(f"- `{c.code}`: {c.description}" for c in codes)
    schema: dict = {"$ref": "#/components/schemas/Error"}
    if codes:
        only_these = {
            "properties": {"error": {"properties": {"code": {"enum": [c.code for c in codes]}}}}
        }
        schema = {"allOf": [schema, only_these]}
    response = {
        "description": f"{description or 'Error.'}\n\n{meanings}".strip(),
        "content": {"application/json": {"schema": schema}},
    }
    if status == 429:
        response["headers"] = _RETRY_AFTER
    return response


def add_error_responses(result, generator, request, public):
    """Postprocessing hook: the one error body, as component "Error"."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    return result


class WalletSessionScheme(OpenApiAuthenticationExtension):
    target_class = "jctgov.core.auth.WalletSessionAuthentication"
    name = "walletSession"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "Session from POST /api/v1/auth/login (EIP-4361). Unsafe methods "
            "also need the X-CSRFToken header carrying the csrftoken cookie.",
        }
