"""Market API, compute side: my jobs — submit (rate-limited per wallet), list, one, cancel."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from jctgov.core import error_codes as E
from jctgov.core.pagination import Pagination, paginated
from jctgov.core.parameters import current_value
from jctgov.core.schema import error_responses
from jctgov.market import selectors, services
from jctgov.market.api.providers import ERR_SIGNED_IN
from jctgov.market.api.serializers import JobOut
from jctgov.market.models import GpuModel, PaymentToken


def job_context() -> dict:
    return {"job_expiry": timedelta(seconds=current_value("market.job_expiry_s"))}


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
        responses={200: JobOut(many=True), **error_responses(ERR_SIGNED_IN)},
        summary="My jobs, newest first (paginated: limit, offset)",
    )
    def get(self, request):
        jobs = selectors.jobs_of(request.user)
        return paginated(self, request, jobs, JobOut, **job_context())


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
            201: JobOut,
            **error_responses(
                E.INVALID_INPUT,
                E.FIELD_REQUIRED,
                ERR_SIGNED_IN,
                E.TOO_MANY_PENDING_JOBS,
                E.RATE_LIMITED,
            ),
        },
        summary="Submit a compute job (per wallet: a cap on pending jobs and a rate limit)",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.job_submit(user=request.user, **data.validated_data)
        return Response(JobOut(job, context=job_context()).data, status=201)


class JobDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={200: JobOut, **error_responses(ERR_SIGNED_IN, E.JOB_NOT_FOUND)},
        summary="One of my jobs, with its lease and quote once matched",
    )
    def get(self, request, job_id: int):
        job = selectors.job_of(request.user, job_id)
        return Response(JobOut(job, context=job_context()).data)


class JobCancelApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: JobOut,
            **error_responses(ERR_SIGNED_IN, E.JOB_NOT_FOUND, E.JOB_NOT_PENDING),
        },
        summary="Cancel a pending job",
    )
    def post(self, request, job_id: int):
        return Response(JobOut(services.job_cancel(job_id=job_id, user=request.user)).data)
