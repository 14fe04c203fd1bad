from django.contrib.auth import logout
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from eth_utils import is_address, to_checksum_address
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from jctgov.core import error_codes as E
from jctgov.core.errors import ApplicationError
from jctgov.core.schema import error_responses
from jctgov.wallets import services


class NonceApi(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        parameters=[
            OpenApiParameter("address", str, description="Optional: echoed back EIP-55 checksummed")
        ],
        responses={
            200: inline_serializer(
                "Nonce",
                {
                    "nonce": serializers.CharField(),
                    "address": serializers.CharField(required=False),
                    "domain": serializers.CharField(
                        help_text="The domain the EIP-4361 message must name (JCTGOV_SITE_URL)"
                    ),
                    "uri": serializers.CharField(
                        help_text="The URI the EIP-4361 message must name (JCTGOV_SITE_URL)"
                    ),
                },
            ),
            **error_responses(E.INVALID_ADDRESS, E.RATE_LIMITED),
        },
        summary="Issue a single-use SIWE nonce bound to this session (10 minutes)",
    )
    def get(self, request):
        # Browsers have no keccak; the page asks us to checksum the address it will sign with.
        address = request.query_params.get("address")
        if address is not None and not is_address(address):
            raise ApplicationError(
                "Not an Ethereum address.", code="invalid_address", field="address"
            )
        nonce = services.nonce_issue(request=request)
        domain, origin = services.site_origin()
        body = {"nonce": nonce.nonce, "domain": domain, "uri": origin}
        if address is not None:
            body["address"] = to_checksum_address(address)
        return Response(body)


# The EIP-4361 refusals of siwe_check and services.siwe_login, by status.
LOGIN_ERRORS = (
    E.MALFORMED_MESSAGE,
    E.FIELD_REQUIRED,
    E.INVALID_INPUT,
    E.BAD_SIGNATURE.at(401),
    E.INVALID_NONCE,
    E.DOMAIN_MISMATCH,
    E.URI_MISMATCH,
    E.CHAIN_MISMATCH,
    E.MESSAGE_EXPIRED,
    E.MESSAGE_NOT_YET_VALID,
    E.ISSUED_AT_OUT_OF_RANGE,
    E.RATE_LIMITED,
    E.CHAIN_ERROR,
    E.CHAIN_UNAVAILABLE,
)


class LoginApi(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    class InputSerializer(serializers.Serializer):
        # Blank text is parsed (and refused) like any other malformed message.
        # Blank or over-long text is refused by the parser as malformed_message (400).
        message = serializers.CharField(trim_whitespace=False, allow_blank=True)
        # Whole bytes, at least 65 (an ECDSA signature); contract wallets may send longer ones.
        signature = serializers.RegexField(r"^0x(?:[0-9a-fA-F]{2}){65,}$", max_length=4096)

    class OutputSerializer(serializers.Serializer):
        address = serializers.CharField()

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(LOGIN_ERRORS)},
        summary="Sign in (EIP-4361)",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.siwe_login(request=request, **data.validated_data)
        return Response(self.OutputSerializer(user).data)


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        address = serializers.CharField()
        is_steward = serializers.BooleanField()

    @extend_schema(responses=OutputSerializer, summary="The signed-in wallet")
    def get(self, request):
        return Response(self.OutputSerializer(request.user).data)


class LogoutApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, summary="Sign out")
    def post(self, request):
        logout(request)
        return Response(status=204)
