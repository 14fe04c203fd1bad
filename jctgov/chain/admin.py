from django.contrib import admin

from jctgov.chain.models import IndexerCursor, ParameterMirror, PowerSnapshot, VeLock


@admin.register(IndexerCursor)
class IndexerCursorAdmin(admin.ModelAdmin):
    list_display = ("name", "block", "updated_at")


@admin.register(VeLock)
class VeLockAdmin(admin.ModelAdmin):
    list_display = ("address", "amount", "unlock_time", "updated_block")
    search_fields = ("address",)


@admin.register(ParameterMirror)
class ParameterMirrorAdmin(admin.ModelAdmin):
    list_display = ("key_hash", "value", "out_of_range_value", "block_number", "tx_hash")


@admin.register(PowerSnapshot)
class PowerSnapshotAdmin(admin.ModelAdmin):
    list_display = ("block_number", "block_hash", "total_supply", "holders", "taken_at")
