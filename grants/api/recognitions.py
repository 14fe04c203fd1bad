"""Grants API: contribution recognitions (paid by recognition proposals)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from grants import selectors
from jctgov.core.amounts import TokenAmountText
from jctgov.core.pagination import Pagination, paginated


class RecognitionListApi(APIView):
    pagination_class = Pagination

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        proposal_id = serializers.IntegerField()
        proposal_title = serializers.CharField(source="proposal.title")
        recipient = serializers.CharField()
        amount = TokenAmountText()
        reason = serializers.CharField()
        tx_hash = serializers.CharField()
        block_number = serializers.IntegerField(allow_null=True)
        created_at = serializers.DateTimeField()

    @extend_schema(responses=OutputSerializer(many=True), summary="Contribution recognitions")
    def get(self, request):
        return paginated(self, request, selectors.recognition_list(), self.OutputSerializer)
