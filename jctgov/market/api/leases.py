"""Market API: leases — my leases, the provider's reports (start, complete, fail) and the job
owner's word on a completed lease (confirm, dispute).

Each report is the same operation: POST, maybe a reason, one service call on the lease by the
signed-in wallet, the lease as the answer. ``LeaseActionApi`` is that view once; each endpoint
names its service and documents its refusals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from jctgov.core import error_codes as E
from jctgov.core.pagination import Pagination, paginated
from jctgov.core.schema import ErrorCodes, error_responses
from jctgov.market import confirmations, selectors, services
from jctgov.market.api.providers import ERR_SIGNED_IN
from jctgov.market.api.serializers import LeaseOut
from jctgov.market.models import Lease


class LeaseListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "role",
                str,
                enum=["provider", "submitter"],
                required=False,
                description="provider: leases on my nodes; submitter: leases of my jobs",
            )
        ],
        responses={200: LeaseOut(many=True), **error_responses(ERR_SIGNED_IN)},
        summary="Leases on my nodes and of my jobs, newest first (paginated: limit, offset)",
    )
    def get(self, request):
        leases = selectors.leases_of(request.user, request.query_params.get("role"))
        return paginated(self, request, leases, LeaseOut)


class LeaseActionApi(APIView):
    # POST: ``service(lease_id=…, user=…, **input)`` by the signed-in wallet; answers the lease.
    # Subclasses set ``service`` (and ``InputSerializer`` when the action takes input). A
    # comment, not a docstring: the schema would show a docstring on every subclass.

    permission_classes = [IsAuthenticated]
    service: ClassVar[Callable[..., Lease]]
    InputSerializer: ClassVar[type[serializers.Serializer] | None] = None

    def post(self, request, lease_id: int):
        given: dict[str, Any] = {}
        if self.InputSerializer is not None:
            data = self.InputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            given = data.validated_data
        lease = type(self).service(lease_id=lease_id, user=request.user, **given)
        return Response(LeaseOut(lease).data)


def _documented(summary: str, errors: ErrorCodes):
    """Class decorator: the schema of a lease action — its input, the lease, its refusals."""

    def document(view: type[LeaseActionApi]) -> type[LeaseActionApi]:
        schema = extend_schema(
            request=view.InputSerializer,
            responses={200: LeaseOut, **error_responses(errors)},
            summary=summary,
        )
        return extend_schema_view(post=schema)(view)

    return document


# --- the provider's reports -------------------------------------------------------------

_PROVIDER_ERRORS = (ERR_SIGNED_IN, E.NOT_LEASE_PROVIDER, E.LEASE_NOT_FOUND, E.LEASE_BAD_STATE)


@_documented("Provider: the job is running (pending → running)", _PROVIDER_ERRORS)
class LeaseStartApi(LeaseActionApi):
    service = services.lease_start


@_documented("Provider: the job finished (running → completed)", _PROVIDER_ERRORS)
class LeaseCompleteApi(LeaseActionApi):
    service = services.lease_complete


@_documented(
    "Provider: the job failed (pending|running → failed)",
    (E.FIELD_REQUIRED, E.REASON_REQUIRED, _PROVIDER_ERRORS),
)
class LeaseFailApi(LeaseActionApi):
    service = services.lease_fail

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=200)


# --- the job owner's word on a completed lease ------------------------------------------

_OWNER_ERRORS = (ERR_SIGNED_IN, E.LEASE_NOT_FOUND)


@_documented(
    "Job owner: confirm a completed lease (it then counts toward reliability)",
    (_OWNER_ERRORS, E.LEASE_NOT_COMPLETED, E.LEASE_DISPUTED),
)
class LeaseConfirmApi(LeaseActionApi):
    service = confirmations.lease_confirm


@_documented(
    "Job owner: dispute a completed lease, with a reason (it never counts as completed)",
    (
        E.FIELD_REQUIRED,
        E.REASON_REQUIRED,
        E.TEXT_TOO_LONG,
        _OWNER_ERRORS,
        E.LEASE_NOT_COMPLETED,
        E.LEASE_CONFIRMED,
        E.LEASE_DISPUTED,
        E.CONFIRMATION_WINDOW_CLOSED,
    ),
)
class LeaseDisputeApi(LeaseActionApi):
    service = confirmations.lease_dispute

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)
