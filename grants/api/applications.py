"""Grants API: applications (drafts, submit, withdraw, the steward's decision) and their
reviews. HTTP ↔ service translation only. Error codes are listed per operation."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from grants import selectors, services
from grants.api.serializers import (
    ApplicationDetailSerializer,
    ApplicationInputSerializer,
    ApplicationSerializer,
    ReviewSerializer,
    application_data,
)
from jctgov.core.pagination import Pagination, paginated
from jctgov.core.schema import error_responses

DRAFT_ERRORS = {
    400: [
        "field_required",
        "invalid_amount",
        "amount_not_positive",
        "amount_too_large",
        "invalid_address",
        "address_not_checksummed",
        "too_many_milestones",
        "invalid_date",
        "invalid_input",
    ],
    401: ["not_authenticated"],
}


class ProgramApplicationsApi(APIView):
    """GET: the program's applications you may see. POST: start a draft (signed in)."""

    pagination_class = Pagination

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "POST" else []

    @extend_schema(
        responses={
            200: ApplicationSerializer(many=True),
            **error_responses({404: ["program_not_found"]}),
        },
        summary="Applications to a program (decided ones are public)",
    )
    def get(self, request, program_id: int):
        program = selectors.program_get(program_id)
        rows = selectors.program_applications(program, request.user)
        return paginated(self, request, rows, ApplicationSerializer)

    @extend_schema(
        request=ApplicationInputSerializer,
        responses={
            201: ApplicationDetailSerializer,
            **error_responses(
                {
                    **DRAFT_ERRORS,
                    404: ["program_not_found"],
                    409: ["program_closed", "duplicate_open_application"],
                }
            ),
        },
        examples=[
            OpenApiExample(
                "A profiler in two milestones",
                request_only=True,
                value={
                    "title": "CUDA profiler",
                    "description": "An open-source profiler for GPU jobs.",
                    "team": "Ada, Grace",
                    "requested_amount": "100000000000000000000",
                    "milestones": [
                        {"title": "Prototype", "amount": "40000000000000000000"},
                        {"title": "Release", "amount": "60000000000000000000"},
                    ],
                },
            )
        ],
        summary="Start a draft application",
    )
    def post(self, request, program_id: int):
        data = ApplicationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application = services.application_create_draft(
            program_id=program_id, applicant=request.user, **data.validated_data
        )
        return Response(application_data(application.pk, request.user), status=201)


class MyApplicationsApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination

    @extend_schema(responses=ApplicationSerializer(many=True), summary="My applications")
    def get(self, request):
        rows = selectors.applications_of(request.user)
        return paginated(self, request, rows, ApplicationSerializer)


class ApplicationDetailApi(APIView):
    """GET: detail (reviews shown to the applicant once decided). PATCH: edit a draft."""

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "PATCH" else []

    @extend_schema(
        responses={
            200: ApplicationDetailSerializer,
            **error_responses({404: ["application_not_found"]}),
        },
        summary="An application",
    )
    def get(self, request, application_id: int):
        return Response(application_data(application_id, request.user))

    @extend_schema(
        request=ApplicationInputSerializer(partial=True),
        responses={
            200: ApplicationDetailSerializer,
            **error_responses(
                {
                    **DRAFT_ERRORS,
                    403: ["not_applicant"],
                    404: ["application_not_found"],
                    409: ["application_not_editable"],
                }
            ),
        },
        summary="Edit a draft application (milestones, when sent, replace the old ones)",
    )
    def patch(self, request, application_id: int):
        data = ApplicationInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.application_update_draft(
            application_id=application_id, actor=request.user, **data.validated_data
        )
        return Response(application_data(application_id, request.user))


class ApplicationSubmitApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: ApplicationDetailSerializer,
            **error_responses(
                {
                    400: [
                        "field_required",
                        "amount_not_positive",
                        "request_exceeds_max",
                        "milestones_required",
                        "milestones_sum_mismatch",
                        "invalid_address",
                        "address_not_checksummed",
                    ],
                    403: ["not_applicant"],
                    404: ["application_not_found"],
                    409: ["application_not_submittable", "program_closed"],
                }
            ),
        },
        summary="Submit a draft",
    )
    def post(self, request, application_id: int):
        services.application_submit(application_id=application_id, actor=request.user)
        return Response(application_data(application_id, request.user))


class ApplicationWithdrawApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: ApplicationDetailSerializer,
            **error_responses(
                {
                    403: ["not_applicant"],
                    404: ["application_not_found"],
                    409: ["application_not_withdrawable"],
                }
            ),
        },
        summary="Withdraw before the decision",
    )
    def post(self, request, application_id: int):
        services.application_withdraw(application_id=application_id, actor=request.user)
        return Response(application_data(application_id, request.user))


class ApplicationDecideApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        approve = serializers.BooleanField()
        reason = serializers.CharField(
            max_length=2_000,
            allow_blank=True,
            required=False,
            default="",
            help_text="Why: shown to the applicant and in the CSV export; required",
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            200: ApplicationDetailSerializer,
            **error_responses(
                {
                    400: ["reason_required", "text_too_long"],
                    403: ["not_steward", "steward_conflicted"],
                    404: ["application_not_found"],
                    409: ["application_already_decided", "not_enough_reviews", "budget_exceeded"],
                }
            ),
        },
        summary="Approve (commits the amount against the budget) or reject, with a reason",
    )
    def post(self, request, application_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.application_decide(
            application_id=application_id, actor=request.user, **data.validated_data
        )
        return Response(application_data(application_id, request.user))


# --- reviews ----------------------------------------------------------------------------


class ApplicationReviewsApi(APIView):
    """GET: the reviews you may see. POST: submit or replace your review (assigned reviewer)."""

    class InputSerializer(serializers.Serializer):
        scores = serializers.DictField(child=serializers.JSONField())
        comment = serializers.CharField(
            max_length=5_000, allow_blank=True, required=False, default=""
        )

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "POST" else []

    @extend_schema(
        responses={
            200: ReviewSerializer(many=True),
            **error_responses({404: ["application_not_found"]}),
        },
        summary="Reviews of an application",
    )
    def get(self, request, application_id: int):
        application = selectors.application_get(application_id, request.user)
        reviews = selectors.visible_reviews(application, request.user)
        return Response(ReviewSerializer(reviews, many=True).data)

    @extend_schema(
        request=InputSerializer,
        responses={
            201: ReviewSerializer,
            **error_responses(
                {
                    400: ["rubric_mismatch", "score_out_of_range"],
                    403: ["not_assigned_reviewer", "own_application"],
                    404: ["application_not_found"],
                    409: ["application_not_reviewable"],
                }
            ),
        },
        summary="Score an application against the program's rubric (0–5 per criterion)",
    )
    def post(self, request, application_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_submit(
            application_id=application_id, reviewer=request.user, **data.validated_data
        )
        return Response(ReviewSerializer(review).data, status=201)


class ReviewQueueApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination

    @extend_schema(
        responses=ApplicationSerializer(many=True), summary="Applications awaiting my review"
    )
    def get(self, request):
        rows = selectors.review_queue(request.user)
        return paginated(self, request, rows, ApplicationSerializer)
