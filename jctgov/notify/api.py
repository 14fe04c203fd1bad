"""Notifications API: HTTP ↔ service translation only. Error codes are listed per operation."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from jctgov.core import error_codes as E
from jctgov.core.schema import error_responses
from jctgov.notify import events, selectors, services
from jctgov.notify.models import Channel

EVENTS = serializers.ListField(
    child=serializers.CharField(max_length=64),
    required=False,
    max_length=len(events.EVENT_TYPES),
    help_text="Event types (GET event-types); omitted: the defaults.",
)


class ChannelSerializer(serializers.ModelSerializer):
    events = serializers.SerializerMethodField()
    # Plain strings: an enum here would collide with the proposals' "kind" enum in the schema.
    kind = serializers.CharField(read_only=True, help_text="inbox, email or webhook")

    class Meta:
        model = Channel
        fields = [
            "id", "kind", "target", "format", "events", "active", "verified_at",
            "failing_since", "disabled_at", "disabled_reason", "created_at",
        ]  # fmt: skip

    def get_events(self, obj) -> list[str]:
        return events.decode(obj.events)


class NewWebhookSerializer(ChannelSerializer):
    class Meta(ChannelSerializer.Meta):
        fields = [*ChannelSerializer.Meta.fields, "secret"]


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    channel = serializers.IntegerField(source="channel_id")
    event_type = serializers.CharField(source="event.type")
    title = serializers.CharField(source="event.title")
    text = serializers.CharField(source="event.text")
    url = serializers.CharField(source="event.url")
    created_at = serializers.DateTimeField(source="event.created_at")
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()
    last_status_code = serializers.IntegerField(allow_null=True)
    sent_at = serializers.DateTimeField(allow_null=True)
    read_at = serializers.DateTimeField(allow_null=True)


class EventTypesApi(APIView):
    class OutputSerializer(serializers.Serializer):
        key = serializers.CharField()
        label = serializers.CharField()  # type: ignore[assignment]  # shadows Field.label
        group = serializers.CharField()
        broadcast = serializers.BooleanField()
        email_default = serializers.BooleanField()

    @extend_schema(responses=OutputSerializer(many=True), summary="Notification event types")
    def get(self, request):
        return Response(self.OutputSerializer(events.EVENT_TYPES.values(), many=True).data)


class ChannelListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ChannelSerializer(many=True), summary="My notification channels")
    def get(self, request):
        services.inbox_ensure(user=request.user)
        return Response(ChannelSerializer(selectors.channels(user=request.user), many=True).data)


class EmailApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        email = serializers.CharField(max_length=254)
        events = EVENTS

    @extend_schema(
        request=InputSerializer,
        responses={
            200: ChannelSerializer,
            **error_responses(E.INVALID_EMAIL, E.INVALID_EVENTS, E.UNKNOWN_EVENT_TYPE),
        },
        summary="Set my email address (a verification link is mailed)",
    )
    def put(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        channel = services.email_set(
            user=request.user,
            address=data.validated_data["email"],
            events_=data.validated_data.get("events"),
        )
        return Response(ChannelSerializer(channel).data)


class WebhookCreateApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        url = serializers.CharField(max_length=500)
        format = serializers.ChoiceField(choices=Channel.Format.choices, default="json")
        events = EVENTS

    @extend_schema(
        request=InputSerializer,
        responses={
            201: NewWebhookSerializer,
            **error_responses(
                E.INVALID_URL, E.WEBHOOK_URL_NOT_ALLOWED, E.WEBHOOK_HOST_UNRESOLVABLE, E.INVALID_FORMAT, E.INVALID_EVENTS, E.UNKNOWN_EVENT_TYPE, E.TOO_MANY_WEBHOOKS
            ),
        },
        summary="Add a webhook; the answer carries its signing secret, shown only this once",
    )  # fmt: skip
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        channel = services.webhook_create(
            user=request.user,
            url=data.validated_data["url"],
            format=data.validated_data["format"],
            events_=data.validated_data.get("events"),
        )
        return Response(NewWebhookSerializer(channel).data, status=201)


class ChannelDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        events = EVENTS
        active = serializers.BooleanField(required=False)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: ChannelSerializer,
            **error_responses(E.INVALID_EVENTS, E.UNKNOWN_EVENT_TYPE, E.CHANNEL_NOT_FOUND),
        },
        summary="Choose a channel's events, pause or resume it",
    )
    def patch(self, request, channel_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        channel = services.channel_update(
            user=request.user,
            channel_id=channel_id,
            events_=data.validated_data.get("events"),
            active=data.validated_data.get("active"),
        )
        return Response(ChannelSerializer(channel).data)

    @extend_schema(
        responses={
            204: None,
            **error_responses(E.CHANNEL_NOT_FOUND, E.INBOX_NOT_REMOVABLE),
        },
        summary="Remove an email address or a webhook",
    )
    def delete(self, request, channel_id: int):
        services.channel_delete(user=request.user, channel_id=channel_id)
        return Response(status=204)


class InboxApi(APIView):
    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        unread = serializers.IntegerField()
        items = DeliverySerializer(many=True)

    @extend_schema(responses=OutputSerializer, summary="My inbox (newest 50) and unread count")
    def get(self, request):
        return Response(
            {
                "unread": selectors.inbox_unread_count(user=request.user),
                "items": DeliverySerializer(
                    selectors.inbox_items(user=request.user), many=True
                ).data,
            }
        )


class InboxReadApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1), required=False, max_length=500
        )

    class OutputSerializer(serializers.Serializer):
        marked = serializers.IntegerField()

    @extend_schema(
        request=InputSerializer,
        responses=OutputSerializer,
        summary="Mark inbox items read (all when no ids)",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.inbox_mark_read(user=request.user, ids=data.validated_data.get("ids"))
        return Response({"marked": marked})


class DeliveryLogApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=DeliverySerializer(many=True),
        summary="My email and webhook deliveries (newest 50): status, attempts, last error",
    )
    def get(self, request):
        return Response(
            DeliverySerializer(selectors.delivery_log(user=request.user), many=True).data
        )
