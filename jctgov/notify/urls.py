from django.urls import path

from jctgov.notify import views

app_name = "notify"

urlpatterns = [
    path("notifications/", views.settings_page, name="settings"),
    path("notifications/inbox/", views.inbox_page, name="inbox"),
    path("notifications/inbox/read", views.inbox_read, name="inbox-read"),
    path("notifications/inbox-events", views.inbox_events, name="inbox-events"),
    path("notifications/email", views.email_save, name="email"),
    path("notifications/webhooks", views.webhook_add, name="webhook-add"),
    path("notifications/channels/<int:channel_id>", views.channel_action, name="channel"),
    path("notifications/verify/<str:token>/", views.verify_email, name="verify"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
