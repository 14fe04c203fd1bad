from django.contrib import admin

from jctgov.market.models import Heartbeat, Job, Lease, MatchRound, Node, Provider


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["user", "vejct", "vejct_refreshed_at", "created_at"]
    search_fields = ["user__address"]
    readonly_fields = ["vejct", "vejct_refreshed_at"]


@admin.register(Node)
class NodeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "provider",
        "gpu_model",
        "gpu_count",
        "ask_usd",
        "last_heartbeat_at",
        "active",
    ]
    list_filter = ["gpu_model", "active", "region"]
    search_fields = ["name", "provider__user__address"]
    exclude = ["token_hash"]


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["node", "received_at"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "submitter",
        "gpu_model",
        "gpus",
        "hours",
        "max_price_usd",
        "payment_token",
        "state",
    ]
    list_filter = ["state", "payment_token", "gpu_model"]


@admin.register(Lease)
class LeaseAdmin(admin.ModelAdmin):
    list_display = ["id", "job", "node", "gpus", "hours", "price_usd", "total", "currency", "state"]
    list_filter = ["state", "currency"]


@admin.register(MatchRound)
class MatchRoundAdmin(admin.ModelAdmin):
    list_display = ["id", "started_at", "jobs_considered", "offers_considered", "matched"]
    exclude = ["inputs"]
