"""One error shape for the whole API.

Services raise :class:`ApplicationError` (or a subclass) with a machine-readable ``code``;
:func:`exception_handler` turns it, and every DRF/Django error, into
``{"error": {"code": "snake_case", "message": "...", "field": "..."}}`` with a 4xx status.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ApplicationError(Exception):
    """A refusal a client can act on. ``status`` is the HTTP status the API answers with."""

    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.field = field
        self.extra = extra or {}


class NotFound(ApplicationError):
    status = 404
    code = "not_found"


class Conflict(ApplicationError):
    status = 409
    code = "conflict"


class Forbidden(ApplicationError):
    status = 403
    code = "forbidden"


class Unauthorized(ApplicationError):
    status = 401
    code = "not_authenticated"


class ServiceUnavailable(ApplicationError):
    """A dependency (the chain RPC, usually) is down: the client may retry later."""

    status = 503
    code = "service_unavailable"


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict:
    error: dict[str, Any] = {"code": code, "message": message}
    if field:
        error["field"] = field
    error.update(extra)
    return {"error": error}


def _first_validation_error(detail: Any, path: str = "") -> tuple[str | None, str, str]:
    """Walk DRF's nested error detail to the first leaf: (field path, message, code)."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            sub = key if not path else f"{path}.{key}"
            if key == "non_field_errors":
                sub = path
            return _first_validation_error(value, sub)
    if isinstance(detail, list) and detail:
        for index, item in enumerate(detail):
            if item in ({}, [], None):
                continue
            if isinstance(item, dict | list):
                return _first_validation_error(item, f"{path}[{index}]" if path else str(index))
            return _first_validation_error(item, path)
    code = getattr(detail, "code", "invalid") or "invalid"
    return (path or None), str(detail), code


# DRF's built-in field validators each have their own code ("max_length", "min_value",
# "not_a_list", ...). The API's contract is a short, documented list, so they are folded into
# four; the message (and ``field``) still say exactly what was wrong. Codes raised by our own
# validators pass through unchanged.
_FIELD_CODES = {
    "required": "field_required",
    "null": "field_required",
    "blank": "field_required",
    "empty": "field_required",
    "max_length": "text_too_long",
    "max_string_length": "text_too_long",
    "null_characters_not_allowed": "invalid_text",
    "surrogate_characters_not_allowed": "invalid_text",
    **dict.fromkeys(
        [
            "invalid",
            "min_length",
            "max_value",
            "min_value",
            "max_digits",
            "max_decimal_places",
            "max_whole_digits",
            "invalid_choice",
            "not_a_list",
            "not_a_dict",
            "date",
            "datetime",
            "make_aware",
            "overflow",
            "incorrect_type",
            "does_not_exist",
            "no_name",
            "invalid_image",
            "unique",
        ],
        "invalid_input",
    ),
}

_DRF_CODES = {
    drf.NotAuthenticated: "not_authenticated",
    drf.AuthenticationFailed: "authentication_failed",
    drf.PermissionDenied: "permission_denied",
    drf.NotFound: "not_found",
    drf.MethodNotAllowed: "method_not_allowed",
    drf.NotAcceptable: "not_acceptable",
    drf.UnsupportedMediaType: "unsupported_media_type",
    drf.Throttled: "rate_limited",
    drf.ParseError: "malformed_request",
}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        body = error_body(exc.code, exc.message, exc.field, **exc.extra)
        return Response(body, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = drf.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    if isinstance(exc, PermissionDenied):
        exc = drf.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf.ValidationError):
        field, message, code = _first_validation_error(exc.detail)
        code = _FIELD_CODES.get(code, code) if code else "invalid_input"
        response.data = error_body(code, f"{field}: {message}" if field else message, field)
        return response
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    detail = getattr(exc, "detail", str(exc))
    response.data = error_body(code, str(detail))
    if isinstance(exc, drf.Throttled):
        # Always a whole number of seconds ≥ 1 (DRF truncates, and sends none without a wait).
        retry_after = max(1, math.ceil(exc.wait or 1))  # type: ignore[attr-defined]
        response["Retry-After"] = str(retry_after)
        response.data["error"]["retry_after_s"] = retry_after
    return response
