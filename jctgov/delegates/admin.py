from django.contrib import admin

from jctgov.delegates.models import DelegateStatement


@admin.register(DelegateStatement)
class DelegateStatementAdmin(admin.ModelAdmin):
    list_display = ("address", "updated_at")
    search_fields = ("address",)
