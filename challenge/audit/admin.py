"""The Django admin of the audit log: read-only."""

from __future__ import annotations

from django.contrib import admin

from challenge.audit import models as audit_models


@admin.register(audit_models.AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "target", "year"]
    list_filter = ["action", "year"]
    search_fields = ["target", "action"]

    # The audit log is a record: nobody edits or deletes it, not even in the admin.
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
