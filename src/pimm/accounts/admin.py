from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from pimm.accounts.models import ApiToken, AuditEvent, User


@admin.register(User)
class PimmUserAdmin(UserAdmin, SimpleHistoryAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("pimm", {"fields": ("role", "member")}))
    add_fieldsets = (*UserAdmin.add_fieldsets, ("pimm", {"fields": ("role", "member")}))
    list_display = ("username", "get_full_name", "role", "member", "is_active")
    list_filter = ("role", "is_active", "member")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "action", "model", "object_repr")
    list_filter = ("action", "model")
    search_fields = ("object_repr", "username", "object_id")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
