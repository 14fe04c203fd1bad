"""Execution API: a steward approves a passed proposal, or retries a failed execution.

HTTP ↔ service translation only; the error codes of each operation are listed in the schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from jctgov.core.schema import error_responses
from proposals import services
from proposals.api_docs import ProposalDetailSerializer
from proposals.presenters import proposal_detail_data

_STEWARD_ERRORS = {401: ["not_authenticated"], 403: ["not_steward"], 404: ["proposal_not_found"]}


def _steward_action(
    service: Callable[..., Any], *, summary: str, description: str, extra: dict[int, list[str]]
) -> type[APIView]:
    """A POST endpoint that calls ``service(proposal_id=…, actor=…)`` and answers the detail."""

    class StewardActionApi(APIView):
        permission_classes = [IsAuthenticated]

        @extend_schema(
            request=None,
            responses={
                200: ProposalDetailSerializer,
                **error_responses({**_STEWARD_ERRORS, **extra}),
            },
            summary=summary,
            description=description,
        )
        def post(self, request, proposal_id: int):
            proposal = service(proposal_id=proposal_id, actor=request.user)
            return Response(proposal_detail_data(proposal))

    return StewardActionApi


ProposalQueueApi = _steward_action(
    services.proposal_approve,
    summary="Approve a succeeded proposal for execution through the timelock (stewards)",
    description="Idempotent. A worker then schedules the timelock batch (salt = uid) and "
    "executes it once the delay has passed; the proposal's `execution` shows each step.",
    extra={409: ["invalid_state", "execution_grace_passed"]},
)
ProposalRetryExecutionApi = _steward_action(
    services.proposal_retry_execution,
    summary="Retry a failed execution (stewards)",
    description="Back to queued when the timelock operation still exists, else scheduled again.",
    extra={
        409: ["invalid_state", "execution_grace_passed"],
        503: ["chain_unavailable"],
    },
)
