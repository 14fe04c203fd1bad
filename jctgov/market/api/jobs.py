"""Market API, compute side: jobs, leases, quotes, market summary, replay preview."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from jctgov.core.errors import NotFound
from jctgov.core.pagination import Pagination
from jctgov.core.parameters import current_value
from jctgov.core.schema import error_responses
from jctgov.market import pricing, selectors, services
from jctgov.market.api.providers import ERR_SIGNED_IN
from jctgov.market.models import GpuModel, Job, Lease, PaymentToken, UnmatchedReason


class _LeaseOut(serializers.ModelSerializer):
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


class _Unmatched(serializers.Serializer):
    code = serializers.ChoiceField(choices=UnmatchedReason.choices)
    message = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    considered_at = serializers.DateTimeField(allow_null=True)


def unmatched_of(job: Job) -> dict | None:
    """Why a pending (or expired) job has no lease: the last round's reason, or that no round
    has considered it yet."""
    if job.state not in (Job.State.PENDING, Job.State.EXPIRED):
        return None
    code = job.unmatched_reason or UnmatchedReason.QUEUED
    if job.state == Job.State.EXPIRED:
        code = UnmatchedReason.EXPIRED
    return {
        "code": code,
        "message": UnmatchedReason(code).label,
        "detail": job.unmatched_detail,
        "considered_at": job.considered_at,
    }


class _JobOut(serializers.ModelSerializer):
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

    @extend_schema_field(_Unmatched(allow_null=True))
    def get_unmatched(self, job) -> dict | None:
        why = unmatched_of(job)
        return _Unmatched(why).data if why else None

    @extend_schema_field(_LeaseOut(allow_null=True))
    def get_lease(self, job) -> dict | None:
        lease = getattr(job, "lease", None) if hasattr(job, "lease") else None
        return _LeaseOut(lease).data if lease else None


def job_context() -> dict:
    return {"job_expiry": timedelta(seconds=current_value("market.job_expiry_s"))}


def _paginated(view: APIView, request, queryset, serializer, context: dict | None = None):
    paginator = view.pagination_class()  # type: ignore[attr-defined]
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True, context=context or {}).data)


class JobSubmitThrottle(SimpleRateThrottle):
    """Per wallet: at most ``market.job_submissions_per_hour`` submissions an hour (429 +
    Retry-After), the rate being a governance parameter."""

    scope = "job_submit"

    def get_rate(self) -> str:
        return f"{current_value('market.job_submissions_per_hour')}/hour"

    def get_cache_key(self, request, view) -> str | None:
        if not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class JobListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination

    @extend_schema(
        responses={200: _JobOut(many=True), **error_responses(ERR_SIGNED_IN)},
        summary="My jobs, newest first (paginated: limit, offset)",
    )
    def get(self, request):
        jobs = Job.objects.filter(submitter=request.user).select_related("lease__node")
        return _paginated(self, request, jobs, _JobOut, job_context())


class JobSubmitApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [JobSubmitThrottle]

    class InputSerializer(serializers.Serializer):
        gpu_model = serializers.ChoiceField(
            choices=GpuModel.choices,
            required=False,
            allow_null=True,
            allow_blank=True,
            help_text="Empty: any model with ≥ vram_min",
        )
        gpus = serializers.IntegerField(min_value=1, max_value=64)
        vram_min = serializers.IntegerField(min_value=1, max_value=1024, default=1)
        hours = serializers.IntegerField(min_value=1, max_value=24 * 366)
        max_price_usd = serializers.DecimalField(
            max_digits=12, decimal_places=4, min_value=Decimal("0.0001")
        )
        payment_token = serializers.ChoiceField(choices=PaymentToken.choices)

    @extend_schema(
        request=InputSerializer,
        responses={
            201: _JobOut,
            **error_responses(
                {
                    400: ["invalid_input", "field_required"],
                    **ERR_SIGNED_IN,
                    409: ["too_many_pending_jobs"],
                    429: ["rate_limited"],
                }
            ),
        },
        summary="Submit a compute job (per wallet: a cap on pending jobs and a rate limit)",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.job_submit(user=request.user, **data.validated_data)
        return Response(_JobOut(job, context=job_context()).data, status=201)


class JobDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={200: _JobOut, **error_responses({**ERR_SIGNED_IN, 404: ["job_not_found"]})},
        summary="One of my jobs, with its lease and quote once matched",
    )
    def get(self, request, job_id: int):
        job = (
            Job.objects.filter(pk=job_id, submitter=request.user)
            .select_related("lease__node")
            .first()
        )
        if job is None:
            raise NotFound("No such job.", code="job_not_found")
        return Response(_JobOut(job, context=job_context()).data)


class JobCancelApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: _JobOut,
            **error_responses({**ERR_SIGNED_IN, 404: ["job_not_found"], 409: ["job_not_pending"]}),
        },
        summary="Cancel a pending job",
    )
    def post(self, request, job_id: int):
        return Response(_JobOut(services.job_cancel(job_id=job_id, user=request.user)).data)


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
        responses={200: _LeaseOut(many=True), **error_responses(ERR_SIGNED_IN)},
        summary="Leases on my nodes and of my jobs, newest first (paginated: limit, offset)",
    )
    def get(self, request):
        role = request.query_params.get("role")
        leases = Lease.objects.select_related("node")
        if role == "provider":
            leases = leases.filter(node__provider__user=request.user)
        elif role == "submitter":
            leases = leases.filter(job__submitter=request.user)
        else:
            leases = leases.filter(
                Q(node__provider__user=request.user) | Q(job__submitter=request.user)
            )
        return _paginated(self, request, leases, _LeaseOut)


_LEASE_ERRORS = {
    **ERR_SIGNED_IN,
    403: ["not_lease_provider"],
    404: ["lease_not_found"],
    409: ["lease_bad_state"],
}


class LeaseStartApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={200: _LeaseOut, **error_responses(_LEASE_ERRORS)},
        summary="Provider: the job is running (pending → running)",
    )
    def post(self, request, lease_id: int):
        return Response(_LeaseOut(services.lease_start(lease_id=lease_id, user=request.user)).data)


class LeaseCompleteApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={200: _LeaseOut, **error_responses(_LEASE_ERRORS)},
        summary="Provider: the job finished (running → completed)",
    )
    def post(self, request, lease_id: int):
        return Response(
            _LeaseOut(services.lease_complete(lease_id=lease_id, user=request.user)).data
        )


class LeaseFailApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=200)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: _LeaseOut,
            **error_responses({400: ["field_required", "reason_required"], **_LEASE_ERRORS}),
        },
        summary="Provider: the job failed (pending|running → failed)",
    )
    def post(self, request, lease_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lease = services.lease_fail(lease_id=lease_id, user=request.user, **data.validated_data)
        return Response(_LeaseOut(lease).data)


class SummaryApi(APIView):
    class _Capacity(serializers.Serializer):
        gpu_model = serializers.CharField()
        nodes = serializers.IntegerField()
        gpus = serializers.IntegerField()
        free_gpus = serializers.IntegerField()
        min_ask_usd = serializers.DecimalField(max_digits=12, decimal_places=4)
        median_ask_usd = serializers.DecimalField(max_digits=12, decimal_places=4)
        max_ask_usd = serializers.DecimalField(max_digits=12, decimal_places=4)

    class _Match(serializers.Serializer):
        lease = serializers.IntegerField()
        gpu_model = serializers.CharField()
        gpus = serializers.IntegerField()
        hours = serializers.IntegerField()
        price_usd = serializers.DecimalField(max_digits=12, decimal_places=4)
        payment_token = serializers.CharField()
        state = serializers.CharField()
        created_at = serializers.DateTimeField()

    class OutputSerializer(serializers.Serializer):
        capacity = serializers.ListField(child=serializers.DictField())
        pending_jobs = serializers.IntegerField()
        pending_gpus = serializers.IntegerField()
        recent_matches = serializers.ListField(child=serializers.DictField())

    @extend_schema(
        responses=OutputSerializer,
        auth=[],
        summary="Public: online capacity and asks by GPU model, open jobs, recent matches",
    )
    def get(self, request):
        summary = selectors.market_summary()
        body = {
            "capacity": self._Capacity(summary["capacity"], many=True).data,
            "pending_jobs": summary["pending_jobs"],
            "pending_gpus": summary["pending_gpus"],
            "recent_matches": self._Match(summary["recent_matches"], many=True).data,
        }
        return Response(body)


class QuoteApi(APIView):
    class InputSerializer(serializers.Serializer):
        gpu_hours = serializers.DecimalField(
            max_digits=14, decimal_places=4, min_value=Decimal("0.0001")
        )
        price = serializers.DecimalField(
            max_digits=12,
            decimal_places=4,
            min_value=Decimal("0.0001"),
            help_text="USD per GPU-hour",
        )
        payment_token = serializers.ChoiceField(choices=PaymentToken.choices, required=False)

    @extend_schema(
        parameters=[InputSerializer],
        auth=[],
        responses={200: dict, **error_responses({400: ["invalid_input", "field_required"]})},
        summary="Price quote for GPU-hours at a price, in both payment tokens",
    )
    def get(self, request):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        return Response(pricing.quotes_both(**data.validated_data))
