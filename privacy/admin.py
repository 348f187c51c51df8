"""The privacy audit trail in the Django admin: read-only, never deletable."""

from django.contrib import admin

from privacy.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "via", "requested_by", "identifier_kind", "short_hash", "months", "rows_changed"]
    list_filter = ["kind", "via", "identifier_kind"]
    search_fields = ["identifier_hash"]
    date_hierarchy = "at"
    fields = [
        "at",
        "kind",
        "via",
        "requested_by",
        "identifier_kind",
        "identifier_hash",
        "cutoff",
        "months",
        "counts",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Identifier hash")
    def short_hash(self, entry: AuditEntry) -> str:
        return f"{entry.identifier_hash[:12]}…" if entry.identifier_hash else ""

    @admin.display(description="Rows changed")
    def rows_changed(self, entry: AuditEntry) -> int:
        return entry.rows_changed
