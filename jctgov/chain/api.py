"""Chain operations API: what the stewards sign, who signed, and their signatures.

GET an operation: the decoded action, "k of M signatures", who signed, and the SafeTx EIP-712
typed data a steward's wallet signs with eth_signTypedData_v4. POST a signature: the signature
is the authority (its signer must be a current owner of the stewards' Safe), so no session or
CSRF token is needed, as for votes.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from jctgov.chain import operations as ops
from jctgov.chain.presenters import operation_data
from jctgov.core import error_codes as E
from jctgov.core.errors import ApplicationError
from jctgov.core.schema import error_responses

OperationSerializer = inline_serializer(
    "ChainOperation",
    {
        "id": serializers.IntegerField(),
        "kind": serializers.CharField(),
        "state": serializers.CharField(),
        "description": serializers.CharField(),
        "safe": serializers.CharField(),
        "safe_nonce": serializers.IntegerField(allow_null=True),
        "safe_tx_hash": serializers.CharField(allow_null=True),
        "threshold": serializers.IntegerField(),
        "signed": serializers.IntegerField(),
        "signers": serializers.ListField(child=serializers.DictField()),
        "owners": serializers.ListField(child=serializers.CharField()),
        "typed_data": serializers.DictField(allow_null=True),
        "rebuilt_reason": serializers.CharField(),
        "failure_code": serializers.CharField(),
        "failure_reason": serializers.CharField(),
        "tx_hash": serializers.CharField(),
        "block_number": serializers.IntegerField(allow_null=True),
    },
)

SIGN_ERRORS = (
    E.FIELD_REQUIRED,
    E.SAFE_TX_HASH_MISMATCH,
    E.SIGNATURE_MALFORMED,
    E.SIGNATURE_INVALID,
    E.SIGNATURE_MISMATCH.at(400),
    E.NOT_SAFE_OWNER,
    E.STEWARD_CONFLICTED,
    E.OPERATION_NOT_FOUND,
    E.OPERATION_NOT_SIGNABLE,
    E.SAFE_TX_REBUILT,
    E.CHAIN_UNAVAILABLE,
)


class OperationApi(APIView):
    authentication_classes: list = []

    @extend_schema(
        responses={200: OperationSerializer, **error_responses(E.OPERATION_NOT_FOUND)},
        summary="A chain operation: decoded action, k of M signatures, SafeTx typed data",
    )
    def get(self, request, operation_id: int):
        return Response(operation_data(ops.get_operation(operation_id), typed=True))


class OperationSignaturesApi(APIView):
    """POST a steward's eth_signTypedData_v4 signature of the operation's SafeTx."""

    authentication_classes: list = []
    throttle_scope = "vote"
    throttle_classes = [ScopedRateThrottle]

    class InputSerializer(serializers.Serializer):
        signer = serializers.CharField(max_length=64)
        signature = serializers.CharField(max_length=200)
        safe_tx_hash = serializers.CharField(max_length=80)

    @extend_schema(
        request=InputSerializer,
        responses={200: OperationSerializer, **error_responses(SIGN_ERRORS)},
        summary="Add a steward's signature of the operation's SafeTx (the signature is the authority)",
    )
    def post(self, request, operation_id: int):
        data = request.data if isinstance(request.data, dict) else {}
        for name in ("signer", "signature", "safe_tx_hash"):
            if not isinstance(data.get(name), str) or not data.get(name):
                raise ApplicationError("This field is required.", code="field_required", field=name)
        op = ops.operation_sign(
            operation_id=operation_id,
            signer=data["signer"][:64],
            signature=data["signature"][:200],
            safe_tx_hash=data["safe_tx_hash"][:80],
        )
        return Response(operation_data(op, typed=True))
