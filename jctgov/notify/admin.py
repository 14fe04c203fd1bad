from django.contrib import admin

from jctgov.notify.models import Channel, Delivery, Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "type", "subject", "title", "created_at", "fanned_out_at"]
    list_filter = ["type"]
    search_fields = ["subject", "title", "dedupe_key"]


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "user",
        "kind",
        "target",
        "format",
        "active",
        "verified_at",
        "failing_since",
    ]
    list_filter = ["kind", "active", "format"]
    search_fields = ["user__address", "target"]
    exclude = ["secret"]  # never shown again after creation


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "event", "channel", "kind", "status", "attempts", "last_error", "sent_at"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["event", "channel", "user"]
