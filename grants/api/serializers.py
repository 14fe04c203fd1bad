"""Serializers shared by the grants API views (output shapes and the application input)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from grants import selectors
from grants.models import Application, Program
from jctgov.core.amounts import TokenAmountText


class ProgramSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    token = serializers.CharField()
    budget = TokenAmountText()
    committed = TokenAmountText()
    paid = TokenAmountText()
    remaining = TokenAmountText()
    max_request = TokenAmountText()
    escrow_program_id = serializers.IntegerField()
    source_proposal_id = serializers.IntegerField(allow_null=True)
    rubric = serializers.JSONField()
    reviewers = serializers.SerializerMethodField()
    opens_at = serializers.DateTimeField(allow_null=True)
    closes_at = serializers.DateTimeField(allow_null=True)
    is_open = serializers.SerializerMethodField()

    def get_reviewers(self, program: Program) -> list[str]:
        return [u.address for u in program.reviewers.all()]

    def get_is_open(self, program: Program) -> bool:
        return program.is_open(timezone.now())


class MilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    title = serializers.CharField()
    deliverable = serializers.CharField()
    amount = TokenAmountText()
    due_date = serializers.DateField(allow_null=True)
    state = serializers.CharField()
    evidence_url = serializers.CharField()
    report_text = serializers.CharField()
    reported_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    payout_ref = serializers.CharField(allow_null=True)
    tx_hash = serializers.CharField()
    block_number = serializers.IntegerField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)
    failure_code = serializers.CharField()
    failure_reason = serializers.CharField()


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    application_id = serializers.IntegerField()
    reviewer = serializers.CharField(source="reviewer.address")
    scores = serializers.JSONField()
    comment = serializers.CharField()
    score = serializers.DecimalField(max_digits=7, decimal_places=4)
    updated_at = serializers.DateTimeField()


class ApplicationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    program_id = serializers.IntegerField()
    program_name = serializers.CharField(source="program.name")
    applicant = serializers.CharField(source="applicant.address")
    title = serializers.CharField()
    description = serializers.CharField()
    requested_amount = TokenAmountText()
    payout_address = serializers.CharField()
    team = serializers.CharField()
    state = serializers.CharField()
    score = serializers.SerializerMethodField(
        help_text="the mean review score; null until you may see it: everyone once decided, "
        "stewards, a reviewer once they have reviewed (pass the user in the context)"
    )
    submitted_at = serializers.DateTimeField(allow_null=True)
    decided_by = serializers.CharField(source="decided_by.address", allow_null=True, default=None)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_reason = serializers.CharField()
    milestones = MilestoneSerializer(many=True, source="milestones.all")

    @extend_schema_field(serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True))
    def get_score(self, application: Application):
        if application.score is None or not selectors.score_visible(
            application, self.context.get("user")
        ):
            return None
        return serializers.DecimalField(max_digits=7, decimal_places=4).to_representation(
            application.score
        )


class ApplicationDetailSerializer(ApplicationSerializer):
    reviews = serializers.SerializerMethodField()

    @extend_schema_field(ReviewSerializer(many=True))
    def get_reviews(self, application: Application) -> list[dict]:
        reviews = selectors.visible_reviews(application, self.context.get("user"))
        return ReviewSerializer(reviews, many=True).data  # type: ignore[return-value]


def application_data(application_id: int, user) -> dict:
    application = selectors.application_get(application_id, user)
    return ApplicationDetailSerializer(application, context={"user": user}).data


class MilestoneInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    deliverable = serializers.CharField(
        max_length=5_000, allow_blank=True, required=False, default=""
    )
    amount = TokenAmountText(max_length=80)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class ApplicationInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(
        max_length=20_000, allow_blank=True, required=False, trim_whitespace=False
    )
    requested_amount = TokenAmountText(max_length=80, required=False)
    payout_address = serializers.CharField(max_length=42, allow_blank=True, required=False)
    team = serializers.CharField(max_length=5_000, allow_blank=True, required=False)
    milestones = MilestoneInputSerializer(many=True, required=False)
