from django.contrib import admin

from agents.models import Agent, Department


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "target_nps", "created_at"]
    search_fields = ["name", "code"]


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["name", "external_id", "department", "active", "user"]
    list_filter = ["active", "department"]
    search_fields = ["name", "external_id"]
    list_select_related = ["department", "user"]
    autocomplete_fields = ["department"]
    raw_id_fields = ["user"]
