"""Market API, public: the market summary and price quotes."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from jctgov.core import error_codes as E
from jctgov.core.schema import error_responses
from jctgov.market import pricing, selectors
from jctgov.market.models import PaymentToken


class SummaryApi(APIView):
    class _Capacity(serializers.Serializer):
        gpu_model = serializers.CharField()
        nodes = serializers.IntegerField()
        gpus = serializers.IntegerField()
        free_gpus = serializers.IntegerField()
        min_ask_usd = serializers.DecimalField(max_digits=12, decimal_places=4)
        median_ask_usd = serializers.DecimalField(max_digits=12, decimal_places=4)
        max_ask_usd = serializers.DecimalField(max_digits=12, decimal_places=4)

    class _Match(serializers.Serializer):
        lease = serializers.IntegerField()
        gpu_model = serializers.CharField()
        gpus = serializers.IntegerField()
        hours = serializers.IntegerField()
        price_usd = serializers.DecimalField(max_digits=12, decimal_places=4)
        payment_token = serializers.CharField()
        state = serializers.CharField()
        created_at = serializers.DateTimeField()

    class OutputSerializer(serializers.Serializer):
        capacity = serializers.ListField(child=serializers.DictField())
        pending_jobs = serializers.IntegerField()
        pending_gpus = serializers.IntegerField()
        recent_matches = serializers.ListField(child=serializers.DictField())

    @extend_schema(
        responses=OutputSerializer,
        auth=[],
        summary="Public: online capacity and asks by GPU model, open jobs, recent matches",
    )
    def get(self, request):
        summary = selectors.market_summary()
        body = {
            "capacity": self._Capacity(summary["capacity"], many=True).data,
            "pending_jobs": summary["pending_jobs"],
            "pending_gpus": summary["pending_gpus"],
            "recent_matches": self._Match(summary["recent_matches"], many=True).data,
        }
        return Response(body)


class QuoteApi(APIView):
    class InputSerializer(serializers.Serializer):
        gpu_hours = serializers.DecimalField(
            max_digits=14, decimal_places=4, min_value=Decimal("0.0001")
        )
        price = serializers.DecimalField(
            max_digits=12,
            decimal_places=4,
            min_value=Decimal("0.0001"),
            help_text="USD per GPU-hour",
        )
        payment_token = serializers.ChoiceField(choices=PaymentToken.choices, required=False)

    @extend_schema(
        parameters=[InputSerializer],
        auth=[],
        responses={200: dict, **error_responses(E.INVALID_INPUT, E.FIELD_REQUIRED)},
        summary="Price quote for GPU-hours at a price, in both payment tokens",
    )
    def get(self, request):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        return Response(pricing.quotes_both(**data.validated_data))
