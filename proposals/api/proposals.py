"""Proposals API: parameters, the proposal list, drafts, publish and cancel.

HTTP ↔ service translation only. Error codes are listed per operation."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from jctgov.core import error_codes as E
from jctgov.core import parameters as registry
from jctgov.core.amounts import TokenAmountText
from jctgov.core.errors import NotFound
from jctgov.core.pagination import Pagination
from jctgov.core.schema import error_responses
from proposals import caching, selectors, services
from proposals.api.serializers import (
    CONTENT_ERRORS,
    PAYLOAD_ERRORS,
    ProposalDetailSerializer,
)
from proposals.models import Proposal, ProposalKind, ProposalState
from proposals.payloads import validate_payload
from proposals.presenters import proposal_detail_cached, proposal_detail_data

DETAIL = ProposalDetailSerializer


class ParameterListApi(APIView):
    class OutputSerializer(serializers.Serializer):
        key = serializers.CharField()
        name = serializers.CharField(help_text="what people call it, e.g. Quorum")
        kind = serializers.CharField(help_text="the type: bps | token | duration | integer")
        unit = serializers.CharField()
        min = TokenAmountText(help_text="inclusive lower bound")
        max = TokenAmountText(help_text="inclusive upper bound")
        default = TokenAmountText(help_text="in force until the chain sets a value")
        current = TokenAmountText(
            help_text="the value in force: mirrored from ParameterStore when inside the bounds, "
            "else the last such value, else the default"
        )
        source = serializers.ChoiceField(  # type: ignore[assignment]  # shadows Field.source
            choices=["chain", "default"], help_text="where `current` comes from"
        )
        chain_value_out_of_range = TokenAmountText(
            allow_null=True,
            help_text="the raw ParameterStore value while it lies outside the bounds "
            "(never used: `current` keeps the last valid value); null when in range",
        )
        description = serializers.CharField()
        chain_key = serializers.CharField(help_text="ParameterStore key: keccak256(key)")

    @extend_schema(
        responses=OutputSerializer(many=True), summary="Governable parameters, with current values"
    )
    def get(self, request):
        return Response(self.OutputSerializer(registry.parameter_rows(), many=True).data)


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

    class FilterSerializer(serializers.Serializer):
        state = serializers.CharField(required=False)
        kind = serializers.ChoiceField(choices=ProposalKind.choices, required=False)

        def validate_state(self, value: str) -> list[str]:
            states = [s.strip() for s in value.split(",") if s.strip()]
            unknown = sorted(set(states) - set(ProposalState.values))
            if unknown:
                raise serializers.ValidationError(
                    f"Unknown state {', '.join(unknown)}; one of {', '.join(ProposalState.values)}."
                )
            return states

    throttle_scope = "draft"  # per wallet (ScopedRateThrottle keys on the signed-in user)

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "POST" else []

    def get_throttles(self):
        return [ScopedRateThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "state",
                str,
                description="comma-separated: "
                + ", ".join(ProposalState.values)
                + ". Without it: every state but draft and cancelled. Drafts are listed to "
                "their author only.",
            ),
            OpenApiParameter("kind", str, enum=ProposalKind.values),
            OpenApiParameter("q", str, description="words in the title or text, any case"),
            OpenApiParameter("author", str, description="the author's address, any case"),
        ],
        responses={
            200: ProposalSummarySerializer(many=True),
            **error_responses(E.INVALID_INPUT, E.INVALID_ADDRESS),
        },
        summary="List proposals",
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        # Cached until any proposal changes (proposals/caching.py); the page links carry the host.
        params = [request.query_params.get(n, "") for n in ("state", "kind", "limit", "offset")]
        params += selectors.list_search(request.query_params).values()  # ?q=…&author=…
        viewer = selectors.list_viewer_key(filters.validated_data.get("state", ()), request.user)
        key = caching.key("api-list", caching.list_version(), request.get_host(), viewer, *params)
        return Response(caching.cached(key, lambda: self._page(request, filters.validated_data)))

    def _page(self, request, filters: dict) -> dict:
        qs = selectors.proposal_list(
            **filters, **selectors.list_search(request.query_params), viewer=request.user
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(
            ProposalSummarySerializer(page, many=True).data
        ).data

    @extend_schema(
        request=CreateInputSerializer,
        responses={
            201: DETAIL,
            **error_responses(
                PAYLOAD_ERRORS,
                CONTENT_ERRORS,
                E.NOT_AUTHENTICATED,
                E.TOO_MANY_DRAFTS,
                E.RATE_LIMITED,
            ),
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
        responses={
            200: inline_serializer("ValidPayload", {"payload": serializers.DictField()}),
            **error_responses(PAYLOAD_ERRORS, CONTENT_ERRORS),
        },
        summary="Validate a payload (the canonical form, or the first error with its field)",
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
        responses={200: DETAIL, **error_responses(E.PROPOSAL_NOT_FOUND)},
        summary="A proposal with its live tally",
    )
    def get(self, request, proposal_id: int):
        try:
            proposal = selectors.visible_proposals(
                request.user, selectors.proposal_with_versions()
            ).get(pk=proposal_id)
        except Proposal.DoesNotExist:
            raise NotFound("No such proposal.", code="proposal_not_found") from None
        return Response(proposal_detail_cached(proposal))

    @extend_schema(
        request=UpdateInputSerializer,
        responses={
            200: DETAIL,
            **error_responses(
                PAYLOAD_ERRORS,
                CONTENT_ERRORS,
                E.NOT_AUTHENTICATED,
                E.NOT_AUTHOR,
                E.PROPOSAL_NOT_FOUND,
                E.INVALID_STATE,
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
            200: DETAIL,
            **error_responses(
                PAYLOAD_ERRORS,
                E.NOT_AUTHENTICATED,
                E.NOT_AUTHOR,
                E.BELOW_PROPOSAL_THRESHOLD,
                E.PROPOSAL_NOT_FOUND,
                E.INVALID_STATE,
                E.TOO_MANY_ACTIVE_PROPOSALS,
                E.CHAIN_ERROR,
                E.CHAIN_REVERTED,
                E.CHAIN_NOT_DEPLOYED,
                E.CHAIN_UNAVAILABLE,
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
            200: DETAIL,
            **error_responses(
                E.REASON_REQUIRED,
                E.REASON_TOO_LONG,
                E.INVALID_INPUT,
                E.NOT_AUTHENTICATED,
                E.NOT_ALLOWED,
                E.PROPOSAL_NOT_FOUND,
                E.INVALID_STATE,
                E.EXECUTION_IN_PROGRESS,
                E.ALREADY_EXECUTED,
                E.EXECUTOR_UNAVAILABLE,
                E.CHAIN_ERROR,
                E.CHAIN_REVERTED,
                E.CHAIN_UNAVAILABLE,
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
