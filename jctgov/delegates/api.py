"""Delegates API: the directory, a delegate's profile, and the signed-in wallet's statement."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from jctgov.core import error_codes as E
from jctgov.core.amounts import TokenAmountText
from jctgov.core.markdown import render_markdown
from jctgov.core.pagination import Pagination
from jctgov.core.schema import error_responses
from jctgov.delegates import selectors, services
from jctgov.delegates.models import MAX_STATEMENT


class ParticipationSerializer(serializers.Serializer):
    voted = serializers.IntegerField(help_text="proposals voted on, of the eligible ones")
    eligible = serializers.IntegerField(
        help_text="proposals opened for votes while the address held delegations (at least "
        "one delegator with veJCT at the proposal's snapshot block)"
    )
    rate_bps = serializers.IntegerField(allow_null=True, help_text="voted / eligible, in bps")


class DelegateSummarySerializer(serializers.Serializer):
    address = serializers.CharField(help_text="EIP-55 checksummed address")
    delegated_power = TokenAmountText(help_text="veJCT wei now of the current delegators")
    delegators = serializers.IntegerField(help_text="number of current delegators")
    participation = ParticipationSerializer()
    has_statement = serializers.BooleanField()


def summary_data(row: selectors.DelegateSummary) -> dict[str, Any]:
    return {
        "address": row.address,
        "delegated_power": str(row.delegated_power),
        "delegators": len(row.delegators),
        "participation": row.participation.as_dict(),
        "has_statement": row.has_statement,
    }


class DelegatorNowSerializer(serializers.Serializer):
    address = serializers.CharField()
    power = TokenAmountText(help_text="veJCT wei now")


class DelegateVoteSerializer(serializers.Serializer):
    proposal = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.CharField()
    choice = serializers.IntegerField(help_text="1 For, 2 Against, 3 Abstain")
    choice_label = serializers.CharField()
    reason = serializers.CharField()
    timestamp = serializers.IntegerField(help_text="Unix seconds, as signed")
    power = TokenAmountText(help_text="own veJCT wei at the proposal's snapshot block")
    delegated_power = TokenAmountText(help_text="delegated veJCT wei the vote carries")
    delegators = serializers.IntegerField()


class DelegateProfileSerializer(serializers.Serializer):
    address = serializers.CharField()
    statement = serializers.CharField(help_text="Markdown, as written")
    statement_html = serializers.CharField(help_text="the statement rendered and sanitized")
    statement_updated_at = serializers.DateTimeField(allow_null=True)
    delegated_power = TokenAmountText(help_text="veJCT wei now of the current delegators")
    delegators = DelegatorNowSerializer(many=True)
    delegate = serializers.CharField(
        allow_null=True, help_text="whom this address delegates its own veJCT to (null: nobody)"
    )
    participation = ParticipationSerializer()
    votes = DelegateVoteSerializer(many=True, help_text="counted votes, newest first (at most 100)")
    as_of = serializers.IntegerField(help_text="the chain time (Unix seconds) of 'now'")


def profile_data(profile: dict[str, Any]) -> dict[str, Any]:
    return {
        **profile,
        "statement_updated_at": profile["statement_updated_at"].isoformat()
        if profile["statement_updated_at"]
        else None,
        "delegated_power": str(profile["delegated_power"]),
        "delegators": [{**d, "power": str(d["power"])} for d in profile["delegators"]],
        "participation": profile["participation"].as_dict(),
        "votes": [
            {**v, "power": str(v["power"]), "delegated_power": str(v["delegated_power"])}
            for v in profile["votes"]
        ],
    }


class DelegatesApi(APIView):
    pagination_class = Pagination

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "ordering",
                str,
                enum=list(selectors.ORDERINGS),
                description="power (delegated veJCT now, default) or participation; descending",
            ),
            OpenApiParameter("search", str, description="part of an address, hex, any case"),
        ],
        responses={
            200: DelegateSummarySerializer(many=True),
            **error_responses(E.INVALID_ORDERING, E.INVALID_SEARCH),
        },
        summary="The delegates directory",
    )
    def get(self, request):
        rows = selectors.delegates_directory(
            order_by=request.query_params.get("ordering", "power"),
            search=request.query_params.get("search", ""),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response([summary_data(r) for r in page])


class DelegateDetailApi(APIView):
    @extend_schema(
        responses={200: DelegateProfileSerializer, **error_responses(E.INVALID_ADDRESS)},
        summary="A delegate's profile: statement, delegated veJCT, participation, votes",
    )
    def get(self, request, address: str):
        profile = selectors.delegate_profile(selectors.checked_address(address))
        return Response(profile_data(profile))


class StatementApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        text = serializers.JSONField(help_text=f"Markdown, at most {MAX_STATEMENT:,} characters")

    class OutputSerializer(serializers.Serializer):
        address = serializers.CharField()
        statement = serializers.CharField()
        statement_html = serializers.CharField()
        statement_updated_at = serializers.DateTimeField()

    @extend_schema(
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            **error_responses(
                E.TEXT_TOO_LONG, E.INVALID_TEXT, E.INVALID_INPUT, E.NOT_AUTHENTICATED
            ),
        },
        summary="Set the signed-in wallet's delegate statement (empty text clears it)",
    )
    def put(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        statement = services.statement_update(
            address=request.user.address, text=data.validated_data["text"]
        )
        return Response(
            {
                "address": statement.address,
                "statement": statement.text,
                "statement_html": render_markdown(statement.text),
                "statement_updated_at": statement.updated_at.isoformat(),
            }
        )
