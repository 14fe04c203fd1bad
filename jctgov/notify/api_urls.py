from django.urls import path

from jctgov.notify import api

app_name = "notify-api"

urlpatterns = [
    path("event-types", api.EventTypesApi.as_view(), name="event-types"),
    path("channels", api.ChannelListApi.as_view(), name="channels"),
    path("channels/email", api.EmailApi.as_view(), name="email"),
    path("channels/webhooks", api.WebhookCreateApi.as_view(), name="webhooks"),
    path("channels/<int:channel_id>", api.ChannelDetailApi.as_view(), name="channel"),
    path("inbox", api.InboxApi.as_view(), name="inbox"),
    path("inbox/read", api.InboxReadApi.as_view(), name="inbox-read"),
    path("deliveries", api.DeliveryLogApi.as_view(), name="deliveries"),
]
