"""Market API: the job and lease shapes several views answer with."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from jctgov.market.models import Job, Lease, UnmatchedReason
from jctgov.market.selectors import unmatched_of

# The OpenAPI component names stay "_LeaseOut", "_JobOut", "_Unmatched" (as published).


@extend_schema_serializer(component_name="_LeaseOut")
class LeaseOut(serializers.ModelSerializer):
    gpu_model = serializers.CharField(source="node.gpu_model")
    node_name = serializers.CharField(source="node.name")

    class Meta:
        model = Lease
        fields = [
            "id",
            "job",
            "node",
            "node_name",
            "gpu_model",
            "gpus",
            "hours",
            "price_usd",
            "payment_token",
            "currency",
            "subtotal",
            "fee_bps",
            "fee",
            "reservation_fee_bps",
            "reservation_fee",
            "total",
            "total_usd",
            "jct_usd_price",
            "state",
            "created_at",
            "started_at",
            "ended_at",
            "failure_reason",
            "confirmed_at",
            "disputed_at",
            "dispute_reason",
        ]


@extend_schema_serializer(component_name="_Unmatched")
class Unmatched(serializers.Serializer):
    code = serializers.ChoiceField(choices=UnmatchedReason.choices)
    message = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    considered_at = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(component_name="_JobOut")
class JobOut(serializers.ModelSerializer):
    lease = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "gpu_model",
            "gpus",
            "vram_min",
            "hours",
            "max_price_usd",
            "payment_token",
            "state",
            "submitted_at",
            "expires_at",
            "unmatched",
            "lease",
        ]

    expires_at = serializers.SerializerMethodField()
    unmatched = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_expires_at(self, job) -> str | None:
        expiry = self.context.get("job_expiry")
        if job.state != Job.State.PENDING or expiry is None:
            return None
        return serializers.DateTimeField().to_representation(job.submitted_at + expiry)

    @extend_schema_field(Unmatched(allow_null=True))
    def get_unmatched(self, job) -> dict | None:
        why = unmatched_of(job)
        return Unmatched(why).data if why else None

    @extend_schema_field(LeaseOut(allow_null=True))
    def get_lease(self, job) -> dict | None:
        lease = getattr(job, "lease", None) if hasattr(job, "lease") else None
        return LeaseOut(lease).data if lease else None
