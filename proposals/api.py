"""Proposals API: HTTP ↔ service translation only. Error codes are listed per operation."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from jctgov.core import parameters as registry
from jctgov.core.errors import Conflict, NotFound
from jctgov.core.pagination import Pagination
from jctgov.core.schema import error_responses
from proposals import caching, selectors, services
from proposals.eip712 import typed_data
from proposals.models import Proposal, ProposalKind, ProposalState
from proposals.payloads import validate_payload
from proposals.presenters import proposal_detail_cached, proposal_detail_data, vote_data
from proposals.services.votes import _check_input, vote_domain, vote_message

TOKEN = serializers.CharField  # uint256 amounts travel as decimal strings
SIGNATURE_ERRORS = ["bad_signature", "malleable_signature"]
NOT_FOUND = {404: ["proposal_not_found"]}
# What proposals.payloads (and the parameter registry it checks against) can refuse.
PAYLOAD_ERRORS = [
    "invalid_payload",
    "invalid_kind",
    "unknown_parameter",
    "parameter_out_of_bounds",
    "duplicate_parameter",
    "invalid_integer",
    "invalid_address",
    "address_not_checksummed",
    "duplicate_recipient",
    "amount_not_positive",
    "amount_too_large",
    "payload_empty",
    "payload_too_large",
]
CHAIN_ERRORS = {502: ["chain_error", "chain_not_deployed"], 503: ["chain_unavailable"]}


def _proposal(proposal_id: int) -> Proposal:
    try:
        return Proposal.objects.select_related("author").get(pk=proposal_id)
    except Proposal.DoesNotExist:
        raise NotFound("No such proposal.", code="proposal_not_found") from None


class ParameterListApi(APIView):
    class OutputSerializer(serializers.Serializer):
        key = serializers.CharField()
        kind = serializers.CharField()
        unit = serializers.CharField()
        min = TOKEN()
        max = TOKEN()
        default = TOKEN()
        current = TOKEN()
        description = serializers.CharField()
        chain_key = serializers.CharField()

    @extend_schema(
        responses=OutputSerializer(many=True), summary="Governable parameters, with current values"
    )
    def get(self, request):
        values = registry.current_values()
        rows = [{**p.as_dict(), "current": values[p.key]} for p in registry.REGISTRY.values()]
        return Response(self.OutputSerializer(rows, many=True).data)


class ProposalSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    uid = serializers.CharField(allow_null=True)
    kind = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()
    author = serializers.CharField(source="author.address")
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class ProposalsApi(APIView):
    """GET: list (anyone). POST: create a draft (signed in)."""

    pagination_class = Pagination  # also tells the schema the list is paginated

    class CreateInputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=ProposalKind.choices)
        title = serializers.CharField(max_length=256)
        body = serializers.CharField(
            max_length=20_000, allow_blank=True, required=False, trim_whitespace=False, default=""
        )
        discussion_url = serializers.URLField(
            max_length=500, allow_blank=True, required=False, default=""
        )
        payload = serializers.JSONField()

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "POST" else []

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, description="comma-separated states", enum=None),
            OpenApiParameter("kind", str, enum=ProposalKind.values),
        ],
        responses=ProposalSummarySerializer(many=True),
        summary="List proposals",
    )
    def get(self, request):
        # Cached until any proposal changes (proposals/caching.py); the page links carry the host.
        params = [request.query_params.get(n, "") for n in ("state", "kind", "limit", "offset")]
        key = caching.key("api-list", caching.list_version(), request.get_host(), *params)
        return Response(caching.cached(key, lambda: self._page(request)))

    def _page(self, request) -> dict:
        qs = selectors.proposal_list(
            state=request.query_params.get("state"), kind=request.query_params.get("kind")
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(
            ProposalSummarySerializer(page, many=True).data
        ).data

    @extend_schema(
        request=CreateInputSerializer,
        responses={
            201: ProposalSummarySerializer,
            **error_responses({400: PAYLOAD_ERRORS}),
        },
        examples=[
            OpenApiExample(
                "Lower the JCT fee",
                request_only=True,
                value={
                    "kind": "parameters",
                    "title": "Lower the JCT payment fee to 0.5%",
                    "body": "Paying in JCT should be cheaper than paying in stablecoin.",
                    "discussion_url": "https://forum.janction.io/t/jct-fee",
                    "payload": {"changes": [{"key": "market.jct_fee_bps", "value": "50"}]},
                },
            )
        ],
        summary="Create a draft proposal",
    )
    def post(self, request):
        data = self.CreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = services.proposal_create_draft(author=request.user, **data.validated_data)
        return Response(proposal_detail_data(proposal), status=201)


class PayloadValidateApi(APIView):
    """Live validation for the draft form: the canonical payload, or the first error."""

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=ProposalKind.choices)
        payload = serializers.JSONField()

    @extend_schema(
        request=InputSerializer,
        responses={200: dict, **error_responses({400: PAYLOAD_ERRORS})},
        summary="Validate a payload",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"payload": validate_payload(**data.validated_data)})


class ProposalDetailApi(APIView):
    """GET: detail with the live tally. PATCH: edit a draft (author)."""

    class UpdateInputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=256, required=False)
        body = serializers.CharField(
            max_length=20_000, allow_blank=True, required=False, trim_whitespace=False
        )
        discussion_url = serializers.URLField(max_length=500, allow_blank=True, required=False)
        payload = serializers.JSONField(required=False)

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "PATCH" else []

    @extend_schema(
        responses={200: dict, **error_responses({404: ["proposal_not_found"]})},
        summary="A proposal with its live tally",
    )
    def get(self, request, proposal_id: int):
        try:
            proposal = selectors.proposal_with_versions().get(pk=proposal_id)
        except Proposal.DoesNotExist:
            raise NotFound("No such proposal.", code="proposal_not_found") from None
        return Response(proposal_detail_cached(proposal))

    @extend_schema(
        request=UpdateInputSerializer,
        responses={
            200: dict,
            **error_responses(
                {400: PAYLOAD_ERRORS, 403: ["not_author"], **NOT_FOUND, 409: ["invalid_state"]}
            ),
        },
        summary="Edit a draft",
    )
    def patch(self, request, proposal_id: int):
        data = self.UpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        proposal = services.proposal_update_draft(
            proposal_id=proposal_id, actor=request.user, **data.validated_data
        )
        return Response(proposal_detail_data(proposal))


class ProposalPublishApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: dict,
            **error_responses(
                {
                    400: PAYLOAD_ERRORS,  # rechecked: the registry's bounds may have changed
                    403: ["not_author", "below_proposal_threshold"],
                    **NOT_FOUND,
                    409: ["invalid_state", "too_many_active_proposals"],
                    **CHAIN_ERRORS,
                }
            ),
        },
        summary="Publish a draft: fix uid, snapshot block and voting window",
    )
    def post(self, request, proposal_id: int):
        proposal = services.proposal_publish(proposal_id=proposal_id, actor=request.user)
        return Response(proposal_detail_data(proposal))


class ProposalCancelApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(allow_blank=True, required=False, default="")

    @extend_schema(
        request=InputSerializer,
        responses={
            200: dict,
            **error_responses(
                {
                    400: ["reason_required", "reason_too_long"],
                    403: ["not_allowed"],
                    **NOT_FOUND,
                    409: [
                        "invalid_state",
                        "execution_in_progress",
                        "already_executed",
                        "executor_unavailable",
                    ],
                    502: ["chain_error", "chain_reverted"],
                    503: ["chain_unavailable"],
                }
            ),
        },
        summary="Cancel (author before voting; steward before executed, with a reason; "
        "a queued proposal's timelock operation is cancelled on chain)",
    )
    def post(self, request, proposal_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = services.proposal_cancel(
            proposal_id=proposal_id, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(proposal_detail_data(proposal))


class TypedDataApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("voter", str, required=True),
            OpenApiParameter(
                "choice", int, required=True, description="1 For, 2 Against, 3 Abstain"
            ),
            OpenApiParameter("reason", str, required=False),
        ],
        responses={
            200: dict,
            **error_responses(
                {
                    400: ["invalid_choice", "invalid_address", "reason_too_long"],
                    **NOT_FOUND,
                    409: ["proposal_not_active"],
                }
            ),
        },
        summary="EIP-712 typed data of a vote, stamped with the server's time (eth_signTypedData_v4)",
    )
    def get(self, request, proposal_id: int):
        proposal = _proposal(proposal_id)
        params = request.query_params
        try:
            choice = int(params.get("choice", ""))
        except ValueError:
            choice = 0
        timestamp = int(timezone.now().timestamp())
        voter = _check_input(params.get("voter", ""), choice, params.get("reason", ""), timestamp)
        if proposal.state != ProposalState.ACTIVE:
            raise Conflict(
                "This proposal is not open for votes.",
                code="proposal_not_active",
                extra={"state": proposal.state},
            )
        message = vote_message(
            proposal,
            voter=voter,
            choice=choice,
            reason=params.get("reason", ""),
            timestamp=timestamp,
        )
        return Response(typed_data(vote_domain(proposal), message))


class VotesApi(APIView):
    """GET: every receipt. POST: cast a signed vote; the signature is the authority, so no
    session and no CSRF token are needed (and a session would add nothing)."""

    authentication_classes: list = []
    throttle_scope = "vote"
    pagination_class = Pagination

    class InputSerializer(serializers.Serializer):
        voter = serializers.CharField(max_length=64)
        choice = serializers.IntegerField()
        reason = serializers.CharField(
            allow_blank=True, required=False, default="", trim_whitespace=False
        )
        timestamp = serializers.IntegerField(min_value=0)
        signature = serializers.CharField(max_length=200)

    def get_throttles(self):
        return [ScopedRateThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        parameters=[OpenApiParameter("voter", str), OpenApiParameter("counted", bool)],
        responses={200: dict, **error_responses(NOT_FOUND)},
        summary="Vote receipts: everything needed to recheck the tally",
    )
    def get(self, request, proposal_id: int):
        proposal = _proposal(proposal_id)
        qs = selectors.vote_receipts(proposal)
        if request.query_params.get("voter"):
            qs = qs.filter(voter__iexact=request.query_params["voter"])
        if request.query_params.get("counted") in ("true", "1"):
            qs = qs.filter(counted=True)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([vote_data(v, proposal) for v in page])

    @extend_schema(
        request=InputSerializer,
        responses={
            201: dict,
            200: dict,
            **error_responses(
                {
                    400: SIGNATURE_ERRORS
                    + [
                        "invalid_choice",
                        "reason_too_long",
                        "invalid_address",
                        "invalid_timestamp",
                        "timestamp_in_future",
                        "timestamp_out_of_window",
                    ],
                    401: ["signature_mismatch"],
                    403: ["no_voting_power"],
                    404: ["proposal_not_found"],
                    409: ["proposal_not_active"],
                }
            ),
        },
        summary="Cast a signed vote (201 new receipt, 200 the same vote again)",
    )
    def post(self, request, proposal_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        vote, created = services.vote_cast(proposal_id=proposal_id, **data.validated_data)
        return Response(vote_data(vote, vote.proposal), status=201 if created else 200)
