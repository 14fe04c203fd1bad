"""Execution API: a steward approves a passed proposal, or retries a failed execution.

HTTP ↔ service translation only; the error codes of each operation are listed in the schema.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from jctgov.core.schema import error_responses
from proposals import services
from proposals.presenters import proposal_detail_data


class ProposalQueueApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: dict,
            **error_responses(
                {
                    403: ["not_steward"],
                    404: ["proposal_not_found"],
                    409: ["invalid_state", "execution_grace_passed"],
                }
            ),
        },
        summary="Approve a succeeded proposal for execution through the timelock (stewards)",
        description="Idempotent. A worker then schedules the timelock batch (salt = uid) and "
        "executes it once the delay has passed; the proposal's `execution` shows each step.",
    )
    def post(self, request, proposal_id: int):
        proposal = services.proposal_approve(proposal_id=proposal_id, actor=request.user)
        return Response(proposal_detail_data(proposal))


class ProposalRetryExecutionApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: dict,
            **error_responses(
                {
                    403: ["not_steward"],
                    404: ["proposal_not_found"],
                    409: ["invalid_state", "execution_grace_passed"],
                    503: ["chain_unavailable"],
                }
            ),
        },
        summary="Retry a failed execution (stewards)",
    )
    def post(self, request, proposal_id: int):
        proposal = services.proposal_retry_execution(proposal_id=proposal_id, actor=request.user)
        return Response(proposal_detail_data(proposal))
