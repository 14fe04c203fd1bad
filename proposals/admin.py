"""Read-mostly admin: state changes go through the services, never through admin forms."""

from django.contrib import admin

from proposals.models import Proposal, Vote


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "kind", "state", "author", "ends_at")
    list_filter = ("state", "kind")
    search_fields = ("title", "uid", "author__address")
    readonly_fields = [f.name for f in Proposal._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ("digest", "proposal", "voter", "choice", "power", "counted", "received_at")
    list_filter = ("choice", "counted")
    search_fields = ("digest", "voter")
    readonly_fields = [f.name for f in Vote._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
