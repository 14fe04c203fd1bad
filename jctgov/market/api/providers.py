"""Market API, providers side: provider status, nodes, heartbeats. HTTP ↔ services only.

Token amounts (veJCT wei) are decimal strings; USD amounts are decimal strings.
"""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from jctgov.core import error_codes as E
from jctgov.core.schema import error_responses
from jctgov.market import selectors, services
from jctgov.market.models import GpuModel

LIST_LIMIT = 200
ERR_SIGNED_IN = (E.NOT_AUTHENTICATED,)


class _Eligibility(serializers.Serializer):
    eligible = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    vejct = serializers.CharField()
    min_vejct = serializers.CharField()
    uptime_bps = serializers.IntegerField()
    min_uptime_bps = serializers.IntegerField()


class _NodeOut(serializers.Serializer):
    id = serializers.IntegerField(source="node.id")
    name = serializers.CharField(source="node.name")
    gpu_model = serializers.CharField(source="node.gpu_model")
    gpu_count = serializers.IntegerField(source="node.gpu_count")
    vram_gb = serializers.IntegerField(source="node.vram_gb")
    region = serializers.CharField(source="node.region")
    ask_usd = serializers.DecimalField(source="node.ask_usd", max_digits=12, decimal_places=4)
    available_hours = serializers.IntegerField(source="node.available_hours")
    registered_at = serializers.DateTimeField(source="node.registered_at")
    last_heartbeat_at = serializers.DateTimeField(source="node.last_heartbeat_at", allow_null=True)
    active = serializers.BooleanField(source="node.active")
    online = serializers.BooleanField()
    uptime_bps = serializers.IntegerField()
    free_gpus = serializers.IntegerField()


class _ProviderOut(serializers.Serializer):
    address = serializers.CharField()
    vejct = serializers.CharField()
    vejct_refreshed_at = serializers.DateTimeField(allow_null=True)
    reliability_bps = serializers.IntegerField()
    leases_completed = serializers.IntegerField(
        help_text="Completed leases that count: confirmed by the job owner, or past "
        "market.confirmation_window_s undisputed"
    )
    leases_unconfirmed = serializers.IntegerField(
        help_text="Completed by the provider's report, awaiting the owner or the window"
    )
    leases_failed = serializers.IntegerField()
    leases_open = serializers.IntegerField()
    eligibility = _Eligibility()
    nodes = _NodeOut(many=True)


class ProviderMeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            200: _ProviderOut,
            **error_responses(ERR_SIGNED_IN, E.PROVIDER_NOT_REGISTERED),
        },
        summary="My provider status: veJCT, reliability, eligibility (and why not), nodes",
    )
    def get(self, request):
        provider = services.provider_for(request.user)
        return Response(_ProviderOut(selectors.provider_status(provider)).data)


class ProviderRegisterApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={201: _ProviderOut, **error_responses(ERR_SIGNED_IN)},
        summary="Become a provider (idempotent)",
    )
    def post(self, request):
        provider = services.provider_register(user=request.user)
        return Response(_ProviderOut(selectors.provider_status(provider)).data, status=201)


class ProviderRefreshStakeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: _ProviderOut,
            **error_responses(
                ERR_SIGNED_IN,
                E.PROVIDER_NOT_REGISTERED,
                E.CHAIN_ERROR,
                E.CHAIN_REVERTED,
                E.CHAIN_UNAVAILABLE,
            ),
        },
        summary="Re-read my veJCT from VotingEscrow.balanceOf now",
    )
    def post(self, request):
        provider = services.provider_refresh_stake(provider=services.provider_for(request.user))
        return Response(_ProviderOut(selectors.provider_status(provider)).data)


class NodeListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            200: _NodeOut(many=True),
            **error_responses(ERR_SIGNED_IN, E.PROVIDER_NOT_REGISTERED),
        },
        summary="My nodes",
    )
    def get(self, request):
        status = selectors.provider_status(services.provider_for(request.user))
        return Response(_NodeOut(status["nodes"], many=True).data)


class NodeRegisterApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=64)
        gpu_model = serializers.ChoiceField(choices=GpuModel.choices)
        gpu_count = serializers.IntegerField(min_value=1, max_value=64)
        vram_gb = serializers.IntegerField(
            min_value=1, max_value=1024, required=False, allow_null=True
        )
        region = serializers.CharField(max_length=32)
        ask_usd = serializers.DecimalField(
            max_digits=12, decimal_places=4, min_value=Decimal("0.0001")
        )
        available_hours = serializers.IntegerField(min_value=1, max_value=24 * 366)

    class OutputSerializer(_NodeOut):
        token = serializers.CharField(
            help_text="Heartbeat token. Shown once; only its hash is stored."
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            **error_responses(E.INVALID_INPUT, E.FIELD_REQUIRED, ERR_SIGNED_IN, E.NODE_NAME_TAKEN),
        },
        summary="Register a node; the response carries its heartbeat token, once",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        node, token = services.node_register(user=request.user, **data.validated_data)
        row = {
            "node": node,
            "online": False,
            "uptime_bps": 0,
            "free_gpus": node.gpu_count,
            "token": token,
        }
        return Response(self.OutputSerializer(row).data, status=201)


class HeartbeatApi(APIView):
    """Nodes authenticate with ``Authorization: Bearer <node token>``; no session, no CSRF."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "heartbeat"

    class OutputSerializer(serializers.Serializer):
        node = serializers.IntegerField(source="node_id")
        received_at = serializers.DateTimeField()

    @extend_schema(
        request=None,
        auth=[],
        parameters=[
            OpenApiParameter(
                "Authorization",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="Bearer <node token>",
            )
        ],
        responses={
            201: OutputSerializer,
            **error_responses(
                E.INVALID_NODE_TOKEN, E.NODE_INACTIVE, E.HEARTBEAT_TOO_SOON, E.RATE_LIMITED
            ),
        },
        summary="Record a node heartbeat (at most one per heartbeat_interval_s / 2; 429 + Retry-After)",
    )
    def post(self, request):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
        heartbeat = services.heartbeat_record(token=token)
        return Response(self.OutputSerializer(heartbeat).data, status=201)

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, services.HeartbeatTooSoon):
            response["Retry-After"] = str(exc.retry_after_s)
        if response.status_code == 401:
            response["WWW-Authenticate"] = 'Bearer realm="jctgov-node"'
        return response
