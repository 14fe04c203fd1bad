"""Read-mostly admin for grants: state changes go through the services, not the admin."""

from django.contrib import admin

from grants.models import Application, Milestone, Program, ProgramFunding, Recognition, Review


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ("position", "title", "amount", "state", "tx_hash", "block_number")
    readonly_fields = fields


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "budget", "committed", "paid", "escrow_program_id", "opens_at")
    readonly_fields = ("budget", "committed", "paid", "escrow_program_id", "source_proposal")
    filter_horizontal = ("reviewers",)


@admin.register(ProgramFunding)
class ProgramFundingAdmin(admin.ModelAdmin):
    list_display = ("program", "proposal", "kind", "amount", "tx_hash", "created_at")
    readonly_fields = ("program", "proposal", "kind", "amount", "tx_hash")


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "program", "applicant", "requested_amount", "state", "score")
    list_filter = ("state", "program")
    readonly_fields = ("state", "score", "decided_by", "decided_at", "applicant", "program")
    inlines = [MilestoneInline]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("application", "reviewer", "score", "updated_at")
    readonly_fields = ("application", "reviewer", "scores", "score")


@admin.register(Recognition)
class RecognitionAdmin(admin.ModelAdmin):
    list_display = ("recipient", "amount", "proposal", "tx_hash", "block_number")
    readonly_fields = ("proposal", "recipient", "amount", "tx_hash", "block_number")
