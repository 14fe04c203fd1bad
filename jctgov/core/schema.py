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
_DEFAULT_ERRORS = {
    "400": "Invalid input (code says which rule).",
    "401": "Not signed in, or the signature/credential was refused.",
    "403": "Signed in, but not allowed.",
    "404": "No such object.",
    "405": "Method not allowed.",
    "409": "The object is not in a state that allows this.",
    "415": "Send JSON.",
    "429": "Too many requests; see Retry-After.",
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
            response=ErrorSerializer, description="Error codes: " + ", ".join(sorted(names))
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


def add_error_responses(result, generator, request, public):
    """Postprocessing hook: every operation documents the common error shape for its 4xx."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in _DEFAULT_ERRORS.items():
                existing = responses.get(status)
                if existing is None:
                    responses[status] = {
                        "description": description,
                        "content": {"application/json": {"schema": ref}},
                    }
                else:
                    for media in existing.get("content", {}).values():
                        media["schema"] = ref
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
