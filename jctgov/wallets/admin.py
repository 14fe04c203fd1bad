from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from jctgov.wallets.models import SiweNonce, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["address"]
    list_display = ["address", "display_name", "is_staff", "date_joined"]
    search_fields = ["address", "display_name"]
    list_filter = ["is_staff", "groups"]
    fieldsets = [
        (None, {"fields": ["address", "display_name", "password"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
    ]
    add_fieldsets = [(None, {"fields": ["address", "password1", "password2"]})]
    filter_horizontal = ["groups", "user_permissions"]
    readonly_fields = ["date_joined"]


@admin.register(SiweNonce)
class SiweNonceAdmin(admin.ModelAdmin):
    list_display = ["nonce", "created_at", "expires_at", "used_at"]
