"""Voting power API: one holder's JCT, lock, veJCT now, decay curve and delegate. HTTP only."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from jctgov.core import error_codes as E
from jctgov.core.addresses import address_any_case
from jctgov.core.markdown import render_markdown
from jctgov.core.schema import error_responses
from jctgov.delegates.models import MAX_STATEMENT
from jctgov.power import selectors


class _LockOut(serializers.Serializer):
    amount = serializers.CharField(help_text="JCT locked, wei")
    end = serializers.IntegerField(help_text="unlock time, unix seconds (a whole week)")
    expired = serializers.BooleanField()


class _PointOut(serializers.Serializer):
    t = serializers.IntegerField(help_text="unix seconds")
    vejct = serializers.CharField(help_text="veJCT at t, wei")


class PowerOut(serializers.Serializer):
    address = serializers.CharField()
    block = serializers.IntegerField(help_text="every value is read at this block")
    chain_time = serializers.IntegerField(help_text="that block's timestamp")
    jct_balance = serializers.CharField(help_text="wei")
    allowance = serializers.CharField(help_text="JCT the VotingEscrow may pull, wei")
    lock = _LockOut(allow_null=True)
    vejct = serializers.CharField(help_text="veJCT now, wei")
    curve = _PointOut(many=True, help_text="veJCT from now to the unlock time (exact)")
    delegate = serializers.CharField(allow_null=True)
    delegation_available = serializers.BooleanField()
    week_s = serializers.IntegerField()
    max_lock_s = serializers.IntegerField()


class HolderPowerApi(APIView):
    authentication_classes: list = []  # public chain data: no session, no CSRF
    permission_classes: list = []

    @extend_schema(
        responses={
            200: PowerOut,
            **error_responses(E.INVALID_ADDRESS, E.CHAIN_UNAVAILABLE),
        },
        summary="A holder's JCT, veJCT lock, veJCT now and its decay, and current delegate",
    )
    def get(self, request, address: str):
        holder = address_any_case(address)
        return Response(PowerOut(selectors.holder_power(holder)).data)


# The longest Markdown text anyone writes: a proposal body (a statement is at most MAX_STATEMENT).
MAX_MARKDOWN_PREVIEW = max(MAX_STATEMENT, 20_000)


class MarkdownPreviewApi(APIView):
    """Render Markdown exactly as a saved statement will be shown (sanitized), saving nothing."""

    permission_classes = [IsAuthenticated]  # keeps rendering work to signed-in wallets

    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(
            max_length=MAX_MARKDOWN_PREVIEW, allow_blank=True, trim_whitespace=False
        )

    class OutputSerializer(serializers.Serializer):
        html = serializers.CharField(help_text="sanitized HTML")

    @extend_schema(
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            **error_responses(
                E.TEXT_TOO_LONG, E.INVALID_TEXT, E.FIELD_REQUIRED, E.NOT_AUTHENTICATED
            ),
        },
        summary="Preview Markdown as a statement or proposal is rendered (nothing is saved)",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"html": render_markdown(data.validated_data["text"])})
