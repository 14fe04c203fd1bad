"""Market API: the replay preview of proposed parameter values, as background work."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from jctgov.core import error_codes as E
from jctgov.core.schema import error_responses
from jctgov.market import replay, replay_runs, selectors
from jctgov.market.api.providers import ERR_SIGNED_IN
from jctgov.market.models import ReplayRun


class _ReplayStatus(serializers.Serializer):
    key = serializers.CharField()
    state = serializers.ChoiceField(choices=ReplayRun.State.choices)
    days = serializers.IntegerField()
    window_end = serializers.DateTimeField()
    rounds_done = serializers.IntegerField()
    rounds_total = serializers.IntegerField()
    error = serializers.CharField(allow_null=True)
    result = serializers.DictField(allow_null=True, help_text="The preview, once done")
    rows = serializers.ListField(
        child=serializers.DictField(), allow_null=True, help_text="The preview as table rows"
    )
    status_url = serializers.CharField()


def _status_body(request, run: ReplayRun) -> dict:
    body = replay_runs.run_status(run)
    body["status_url"] = request.build_absolute_uri(
        reverse("market-api:replay-status", args=[run.key])
    )
    return body


class ReplayPreviewApi(APIView):
    """What proposed marketplace parameters would have done to the recorded rounds.

    Background work: the first request for (values, window) enqueues a replay and answers 202;
    poll ``status_url``. Requests for the same values in the same window share the result."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "replay"

    class InputSerializer(serializers.Serializer):
        changes = serializers.DictField(
            child=serializers.CharField(max_length=80),
            allow_empty=True,
            help_text='{"market.stablecoin_fee_bps": "150", ...}; values as integers or digit strings',
        )
        days = serializers.IntegerField(min_value=1, max_value=replay.REPLAY_MAX_DAYS, default=7)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: _ReplayStatus,
            202: _ReplayStatus,
            **error_responses(
                E.INVALID_INPUT,
                E.UNKNOWN_PARAMETER,
                E.PARAMETER_OUT_OF_BOUNDS,
                E.INVALID_INTEGER,
                E.REPLAY_TOO_MANY_ROUNDS,
                ERR_SIGNED_IN,
                E.RATE_LIMITED,
            ),
        },
        summary="Replay the last days' match rounds with current vs proposed values (background)",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = replay_runs.replay_request(
            changes=data.validated_data["changes"],
            days=data.validated_data["days"],
            user=request.user,
        )
        status = 200 if run.state == ReplayRun.State.DONE else 202
        return Response(_status_body(request, run), status=status)


class ReplayStatusApi(APIView):
    @extend_schema(
        auth=[],
        responses={200: _ReplayStatus, **error_responses(E.REPLAY_NOT_FOUND)},
        summary="Progress and, once done, the result of a replay preview",
    )
    def get(self, request, key: str):
        return Response(_status_body(request, selectors.replay_run_get(key)))
