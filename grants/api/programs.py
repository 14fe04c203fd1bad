"""Grants API: programs — the list, one program (and its configuration by a steward), the CSV
export. HTTP ↔ service translation only. Error codes are listed per operation."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from grants import selectors, services
from grants.api.serializers import ProgramSerializer
from jctgov.core import error_codes as E
from jctgov.core.amounts import TokenAmountText
from jctgov.core.pagination import Pagination, paginated
from jctgov.core.schema import error_responses


class ProgramListApi(APIView):
    pagination_class = Pagination  # also tells the schema the list is paginated

    @extend_schema(responses=ProgramSerializer(many=True), summary="Grant programs")
    def get(self, request):
        # Reviewers are listed per program: one prefetch query, not one per program.
        programs = selectors.program_list().prefetch_related("reviewers")
        return paginated(self, request, programs, ProgramSerializer)


class ProgramDetailApi(APIView):
    """GET: a program with budget, committed, paid, remaining. PATCH: configure (steward)."""

    class UpdateInputSerializer(serializers.Serializer):
        reviewers = serializers.ListField(
            child=serializers.CharField(max_length=42), required=False
        )
        rubric = serializers.JSONField(required=False)
        opens_at = serializers.DateTimeField(required=False, allow_null=True)
        closes_at = serializers.DateTimeField(required=False, allow_null=True)
        max_request = TokenAmountText(max_length=80, required=False)
        description = serializers.CharField(max_length=5_000, required=False, allow_blank=True)

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "PATCH" else []

    @extend_schema(
        responses={200: ProgramSerializer, **error_responses(E.PROGRAM_NOT_FOUND)},
        summary="A grant program",
    )
    def get(self, request, program_id: int):
        return Response(ProgramSerializer(selectors.program_get(program_id)).data)

    @extend_schema(
        request=UpdateInputSerializer,
        responses={
            200: ProgramSerializer,
            **error_responses(
                E.INVALID_RUBRIC,
                E.INVALID_WINDOW,
                E.MAX_REQUEST_EXCEEDS_BUDGET,
                E.INVALID_ADDRESS,
                E.ADDRESS_NOT_CHECKSUMMED,
                E.TOO_MANY_REVIEWERS,
                E.INVALID_AMOUNT,
                E.NOT_STEWARD,
                E.PROGRAM_NOT_FOUND,
                E.RUBRIC_LOCKED,
            ),
        },
        summary="Configure a program (steward): reviewers, rubric, window, max request",
    )
    def patch(self, request, program_id: int):
        data = self.UpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        program = services.program_update(
            program_id=program_id, actor=request.user, **data.validated_data
        )
        return Response(ProgramSerializer(program).data)


class ProgramExportApi(APIView):
    @extend_schema(
        responses={(200, "text/csv"): str, **error_responses(E.PROGRAM_NOT_FOUND)},
        summary="CSV of a program's decided applications and payouts (stewards: every "
        "submitted application)",
    )
    def get(self, request, program_id: int):
        program = selectors.program_get(program_id)
        csv_text = selectors.program_export_csv(program, request.user)
        response = HttpResponse(csv_text, content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="grant-program-{program.pk}.csv"'
        return response
