"""Proposals API: votes — the typed data to sign, casting a signed vote, the receipts, and a
wallet's voting power at the snapshot.

HTTP ↔ service translation only. Error codes are listed per operation."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from jctgov.core import error_codes as E
from jctgov.core.addresses import checksummed_address
from jctgov.core.amounts import TokenAmountText
from jctgov.core.errors import ApplicationError, Conflict
from jctgov.core.pagination import Pagination
from jctgov.core.schema import error_responses
from proposals import selectors, services
from proposals.api.serializers import (
    VOTE_ERRORS,
    VOTE_REASON,
    VOTE_REQUEST,
    ReceiptSerializer,
)
from proposals.presenters import vote_data


class TypedDataApi(APIView):
    class QuerySerializer(serializers.Serializer):  # documents the query; vote_check_input checks
        voter = serializers.CharField(help_text="0x address; mixed case must be EIP-55")
        choice = serializers.IntegerField(help_text="1 For, 2 Against, 3 Abstain")
        reason = VOTE_REASON()

    @extend_schema(
        parameters=[QuerySerializer],
        responses={
            200: inline_serializer(
                "VoteTypedData",
                {
                    "types": serializers.DictField(),
                    "primaryType": serializers.CharField(),
                    "domain": serializers.DictField(),
                    "message": serializers.DictField(),
                },
            ),
            **error_responses(
                E.INVALID_CHOICE,
                E.INVALID_ADDRESS,
                E.REASON_TOO_LONG,
                E.PROPOSAL_NOT_FOUND,
                E.PROPOSAL_NOT_ACTIVE,
            ),
        },
        summary="EIP-712 typed data of a vote, stamped with the server's time (eth_signTypedData_v4)",
    )
    def get(self, request, proposal_id: int):
        params = request.query_params
        try:
            choice = int(params.get("choice", ""))
        except ValueError:
            choice = 0
        typed = services.vote_typed_data(
            proposal=selectors.proposal_get(proposal_id),
            voter=params.get("voter", ""),
            choice=choice,
            reason=params.get("reason", ""),
        )
        return Response(typed)


VOTE_REQUIRED = ("voter", "choice", "timestamp", "signature")


def _vote_body(data: object) -> dict:
    """The vote's fields from the JSON body, as signed.

    No DRF serializer here: vote_cast checks every field itself, strictly typed, and this is
    the busiest endpoint; a serializer would repeat those checks at ten times their cost.
    """
    if not isinstance(data, dict):
        raise ApplicationError("Send the vote as a JSON object.", code="invalid_input")
    for name in VOTE_REQUIRED:
        if data.get(name) is None:
            raise ApplicationError("This field is required.", code="field_required", field=name)
    return {name: data[name] for name in VOTE_REQUIRED} | {"reason": data.get("reason", "")}


class VotesApi(APIView):
    """GET: every receipt. POST: cast a signed vote; the signature is the authority, so no
    session and no CSRF token are needed (and a session would add nothing)."""

    authentication_classes: list = []
    throttle_scope = "vote"
    pagination_class = Pagination

    def get_throttles(self):
        return [ScopedRateThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        parameters=[
            OpenApiParameter("voter", str, description="only this voter's receipts"),
            OpenApiParameter("counted", bool, description="true: only the counted votes"),
        ],
        responses={
            200: ReceiptSerializer(many=True),
            **error_responses(E.PROPOSAL_NOT_FOUND),
        },
        summary="Vote receipts: everything needed to recheck the tally",
    )
    def get(self, request, proposal_id: int):
        proposal = selectors.proposal_get(proposal_id)
        qs = selectors.vote_receipts(
            proposal,
            voter=request.query_params.get("voter", ""),
            counted_only=request.query_params.get("counted") in ("true", "1"),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        carried = selectors.delegators_counted(proposal, [v.voter for v in page if v.counted])  # type: ignore[union-attr]
        return paginator.get_paginated_response([vote_data(v, proposal, carried) for v in page])  # type: ignore[union-attr]

    @extend_schema(
        request=VOTE_REQUEST,
        responses={
            201: ReceiptSerializer,
            200: ReceiptSerializer,
            **error_responses(VOTE_ERRORS),
        },
        summary="Cast a signed vote (201 new receipt, 200 the same vote again)",
    )
    def post(self, request, proposal_id: int):
        vote, created = services.vote_cast(proposal_id=proposal_id, **_vote_body(request.data))
        return Response(vote_data(vote, vote.proposal), status=201 if created else 200)


class VotingPowerApi(APIView):
    class OutputSerializer(serializers.Serializer):
        address = serializers.CharField(help_text="EIP-55 checksummed address")
        snapshot_block = serializers.IntegerField()
        power = TokenAmountText(help_text="own veJCT wei at the snapshot block")
        delegate = serializers.CharField(
            allow_null=True, help_text="whom the address had delegated to at the block"
        )
        delegated_power = TokenAmountText(
            help_text="veJCT wei its vote carries for delegators who have not voted themselves"
        )
        delegators = serializers.IntegerField(help_text="how many delegators that is")
        delegated_power_total = TokenAmountText(
            help_text="all veJCT wei delegated to it at the block"
        )
        delegators_total = serializers.IntegerField()

    @extend_schema(
        parameters=[OpenApiParameter("address", str, required=True, description="0x address")],
        responses={
            200: OutputSerializer,
            **error_responses(E.INVALID_ADDRESS, E.PROPOSAL_NOT_FOUND, E.SNAPSHOT_PENDING),
        },
        summary="A wallet's voting power on a proposal: own and delegated veJCT at its snapshot",
    )
    def get(self, request, proposal_id: int):
        # Any case (a wrong checksum still names the account), as the delegates pages take it.
        address = checksummed_address(request.query_params.get("address", ""), typo=None)
        found = selectors.voting_power_of(selectors.proposal_get(proposal_id), address)
        if found is None:
            raise Conflict(
                "The proposal's voting-power snapshot is not stored yet.", code="snapshot_pending"
            )
        return Response(
            {
                **found,
                **{k: str(found[k]) for k in ("power", "delegated_power", "delegated_power_total")},
            }
        )
