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
from jctgov.core import error_codes as E
from jctgov.core.pagination import Pagination, paginated
from jctgov.core.schema import error_responses

DRAFT_ERRORS = (
    E.FIELD_REQUIRED,
    E.INVALID_AMOUNT,
    E.AMOUNT_NOT_POSITIVE,
    E.AMOUNT_TOO_LARGE,
    E.INVALID_ADDRESS,
    E.ADDRESS_NOT_CHECKSUMMED,
    E.TOO_MANY_MILESTONES,
    E.INVALID_DATE,
    E.INVALID_INPUT,
    E.NOT_AUTHENTICATED,
)


class ProgramApplicationsApi(APIView):
    """GET: the program's applications you may see. POST: start a draft (signed in)."""

    pagination_class = Pagination

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "POST" else []

    @extend_schema(
        responses={
            200: ApplicationSerializer(many=True),
            **error_responses(E.PROGRAM_NOT_FOUND),
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
                DRAFT_ERRORS, E.PROGRAM_NOT_FOUND, E.PROGRAM_CLOSED, E.DUPLICATE_OPEN_APPLICATION
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
            **error_responses(E.APPLICATION_NOT_FOUND),
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
                DRAFT_ERRORS, E.NOT_APPLICANT, E.APPLICATION_NOT_FOUND, E.APPLICATION_NOT_EDITABLE
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
                E.FIELD_REQUIRED,
                E.AMOUNT_NOT_POSITIVE,
                E.REQUEST_EXCEEDS_MAX,
                E.MILESTONES_REQUIRED,
                E.MILESTONES_SUM_MISMATCH,
                E.INVALID_ADDRESS,
                E.ADDRESS_NOT_CHECKSUMMED,
                E.NOT_APPLICANT,
                E.APPLICATION_NOT_FOUND,
                E.APPLICATION_NOT_SUBMITTABLE,
                E.PROGRAM_CLOSED,
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
                E.NOT_APPLICANT, E.APPLICATION_NOT_FOUND, E.APPLICATION_NOT_WITHDRAWABLE
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
                E.REASON_REQUIRED,
                E.TEXT_TOO_LONG,
                E.NOT_STEWARD,
                E.STEWARD_CONFLICTED,
                E.APPLICATION_NOT_FOUND,
                E.APPLICATION_ALREADY_DECIDED,
                E.NOT_ENOUGH_REVIEWS,
                E.BUDGET_EXCEEDED,
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
            **error_responses(E.APPLICATION_NOT_FOUND),
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
                E.RUBRIC_MISMATCH,
                E.SCORE_OUT_OF_RANGE,
                E.NOT_ASSIGNED_REVIEWER,
                E.OWN_APPLICATION,
                E.APPLICATION_NOT_FOUND,
                E.APPLICATION_NOT_REVIEWABLE,
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
