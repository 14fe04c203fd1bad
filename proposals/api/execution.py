"""Execution API: the Safe transaction stewards sign to approve a passed proposal, and a
steward's retry of a failed execution.

HTTP ↔ service translation only; the error codes of each operation are listed in the schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from jctgov.chain.api import OperationSerializer
from jctgov.chain.presenters import operation_data
from jctgov.core import error_codes as E
from jctgov.core.schema import ErrorCodes, error_responses
from proposals import services
from proposals.api.serializers import ProposalDetailSerializer
from proposals.presenters import proposal_detail_data

_STEWARD_ERRORS = (E.NOT_AUTHENTICATED, E.NOT_STEWARD, E.PROPOSAL_NOT_FOUND)


def _steward_action(
    service: Callable[..., Any], *, summary: str, description: str, extra: ErrorCodes
) -> type[APIView]:
    """A POST endpoint that calls ``service(proposal_id=…, actor=…)`` and answers the detail."""

    class StewardActionApi(APIView):
        permission_classes = [IsAuthenticated]

        @extend_schema(
            request=None,
            responses={
                200: ProposalDetailSerializer,
                **error_responses(_STEWARD_ERRORS, extra),
            },
            summary=summary,
            description=description,
        )
        def post(self, request, proposal_id: int):
            proposal = service(proposal_id=proposal_id, actor=request.user)
            return Response(proposal_detail_data(proposal))

    return StewardActionApi


class ProposalApprovalApi(APIView):
    """POST: open (idempotently) the stewards' Safe transaction that schedules the proposal's
    timelock batch, and answer it with its typed data; stewards sign it from their wallets and
    POST the signatures to ``/api/v1/chain/operations/{id}/signatures``."""

    authentication_classes: list = []
    throttle_scope = "vote"
    throttle_classes = [ScopedRateThrottle]

    @extend_schema(
        request=None,
        responses={
            200: OperationSerializer,
            **error_responses(
                E.PROPOSAL_NOT_FOUND, E.INVALID_STATE, E.EXECUTION_GRACE_PASSED, E.CHAIN_UNAVAILABLE
            ),
        },
        summary="The Safe transaction that approves a succeeded proposal (for stewards to sign)",
        description="Idempotent: one live operation per proposal. At the Safe's threshold a "
        "worker relays it (scheduleBatch, salt = uid, delay = governance.timelock_delay_s); "
        "the timelock batch executes once the delay has passed.",
    )
    def post(self, request, proposal_id: int):
        op = services.proposal_approval_open(proposal_id=proposal_id)
        return Response(operation_data(op, typed=True))


ProposalRetryExecutionApi = _steward_action(
    services.proposal_retry_execution,
    summary="Retry a failed execution (stewards)",
    description="Back to queued when the timelock operation still exists, else scheduled again.",
    extra=(E.INVALID_STATE, E.EXECUTION_GRACE_PASSED, E.CHAIN_UNAVAILABLE),
)
