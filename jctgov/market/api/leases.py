"""Market API: the job owner's word on a completed lease (confirm / dispute)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from jctgov.core.schema import error_responses
from jctgov.market import confirmations
from jctgov.market.api.jobs import _LeaseOut
from jctgov.market.api.providers import ERR_SIGNED_IN

_OWNER_ERRORS = {**ERR_SIGNED_IN, 404: ["lease_not_found"]}


class LeaseConfirmApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: _LeaseOut,
            **error_responses({**_OWNER_ERRORS, 409: ["lease_not_completed", "lease_disputed"]}),
        },
        summary="Job owner: confirm a completed lease (it then counts toward reliability)",
    )
    def post(self, request, lease_id: int):
        return Response(
            _LeaseOut(confirmations.lease_confirm(lease_id=lease_id, user=request.user)).data
        )


class LeaseDisputeApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: _LeaseOut,
            **error_responses(
                {
                    400: ["field_required", "reason_required", "text_too_long"],
                    **_OWNER_ERRORS,
                    409: [
                        "lease_not_completed",
                        "lease_confirmed",
                        "lease_disputed",
                        "confirmation_window_closed",
                    ],
                }
            ),
        },
        summary="Job owner: dispute a completed lease, with a reason (it never counts as completed)",
    )
    def post(self, request, lease_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lease = confirmations.lease_dispute(
            lease_id=lease_id, user=request.user, **data.validated_data
        )
        return Response(_LeaseOut(lease).data)
