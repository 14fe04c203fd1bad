"""OpenAPI details shared by every API: the error shape, session auth, component names."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

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
# Statuses any operation may answer, with the codes they carry there. An operation's own
# codes (error_responses) are added to these; every error response then lists its codes both in
# the description and as an enum on ``error.code``, so clients and validators see the contract.
_DEFAULT_ERRORS = {
    "400": (
        "Invalid input.",
        [
            "malformed_request",
            "invalid_input",
            "field_required",
            "text_too_long",
            "invalid_text",
            "bidi_control_character",
        ],
    ),
    "401": ("Not signed in, or the credential was refused.", ["not_authenticated"]),
    "403": ("Not allowed (or the CSRF token is missing).", ["permission_denied"]),
    "404": ("No such object.", ["not_found"]),
    "405": ("Method not allowed.", ["method_not_allowed"]),
    "413": ("The request body is over the size limit.", ["request_too_large"]),
    "415": ("Send JSON.", ["unsupported_media_type"]),
    "429": ("Too many requests; retry after Retry-After seconds.", ["rate_limited"]),
}
_CODES_PREFIX = "Error codes: "
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
}


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="machine-readable, snake_case")
    message = serializers.CharField(help_text="a human sentence")
    field = serializers.CharField(required=False, help_text="the input field at fault, if any")


class ErrorSerializer(serializers.Serializer):
    """The one error body of the API (component "Error")."""

    error = ErrorDetailSerializer()


def error_responses(codes: dict[int, list[str]]) -> dict[int, OpenApiResponse]:
    """Document an operation's error codes: {status: [code, ...]} -> extend_schema responses."""
    return {
        status: OpenApiResponse(
            response=ErrorSerializer, description=_CODES_PREFIX + ", ".join(sorted(names))
        )
        for status, names in codes.items()
    }


class AutoSchema(BaseAutoSchema):
    def get_serializer_name(self, serializer, direction):
        # Views nest InputSerializer/OutputSerializer; name components after the view so
        # "MeApi.OutputSerializer" and "LoginApi.OutputSerializer" do not collide.
        cls = serializer if isinstance(serializer, type) else serializer.__class__
        qualname = cls.__qualname__
        if "." in qualname:
            return qualname.replace("Serializer", "").replace(".", "")
        return super().get_serializer_name(serializer, direction)


def _error_response(codes: list[str], description: str, status: str) -> dict:
    codes = sorted(set(codes))
    schema: dict = {"$ref": "#/components/schemas/Error"}
    if codes:
        description = f"{description} {_CODES_PREFIX}{', '.join(codes)}.".strip()
        only_these = {"properties": {"error": {"properties": {"code": {"enum": codes}}}}}
        schema = {"allOf": [schema, only_these]}
    response = {
        "description": description or "Error.",
        "content": {"application/json": {"schema": schema}},
    }
    if status == "429":
        response["headers"] = _RETRY_AFTER
    return response


def _declared_codes(response: dict) -> list[str]:
    description = response.get("description", "")
    if not description.startswith(_CODES_PREFIX):
        return []
    return [code.strip() for code in description[len(_CODES_PREFIX) :].split(",") if code.strip()]


def add_error_responses(result, generator, request, public):
    """Postprocessing hook: every error response of every operation lists its codes.

    The common statuses (_DEFAULT_ERRORS) are added to each operation; codes an operation
    declares with :func:`error_responses` are merged with the common ones of their status.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            statuses = set(_DEFAULT_ERRORS) | {s for s in responses if s[0] in "45"}
            for status in sorted(statuses):
                description, common = _DEFAULT_ERRORS.get(status, ("", []))
                declared = _declared_codes(responses.get(status, {}))
                responses[status] = _error_response(common + declared, description, status)
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
