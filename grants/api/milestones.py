"""Grants API: milestones — the applicant's report, a steward's acceptance (then the payout
SafeTx) and the retry of a failed payout. HTTP ↔ service translation only."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from grants import selectors, services
from grants.api.serializers import MilestoneSerializer
from jctgov.core import error_codes as E
from jctgov.core.schema import error_responses


class MilestoneReportApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        evidence_url = serializers.URLField(
            max_length=500, allow_blank=True, required=False, default=""
        )
        text = serializers.CharField(max_length=10_000)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: MilestoneSerializer,
            **error_responses(
                E.FIELD_REQUIRED,
                E.TEXT_TOO_LONG,
                E.NOT_APPLICANT,
                E.MILESTONE_NOT_FOUND,
                E.MILESTONE_NOT_REPORTABLE,
            ),
        },
        summary="Report a milestone (applicant)",
    )
    def post(self, request, milestone_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        milestone = services.milestone_report(
            milestone_id=milestone_id, actor=request.user, **data.validated_data
        )
        return Response(MilestoneSerializer(milestone).data)


class MilestoneAcceptApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: MilestoneSerializer,
            **error_responses(
                E.NOT_STEWARD,
                E.STEWARD_CONFLICTED,
                E.MILESTONE_NOT_FOUND,
                E.MILESTONE_NOT_ACCEPTABLE,
            ),
        },
        summary="Accept a reported milestone (steward); stewards then sign its payout SafeTx",
    )
    def post(self, request, milestone_id: int):
        milestone = services.milestone_accept(milestone_id=milestone_id, actor=request.user)
        return Response(MilestoneSerializer(selectors.milestone_get(milestone.pk)).data)


class MilestoneRetryApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: MilestoneSerializer,
            **error_responses(E.NOT_STEWARD, E.MILESTONE_NOT_FOUND, E.MILESTONE_NOT_RETRYABLE),
        },
        summary="Retry a failed payout (steward). Failure codes on milestones: "
        "escrow_insufficient, chain_reverted, executor_unavailable",
    )
    def post(self, request, milestone_id: int):
        milestone = services.milestone_retry_payout(milestone_id=milestone_id, actor=request.user)
        return Response(MilestoneSerializer(selectors.milestone_get(milestone.pk)).data)
