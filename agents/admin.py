from django.contrib import admin
from django.utils.html import format_html

from agents import services
from agents.models import Agent, AgentMove, Department


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "target_nps", "created_at"]
    search_fields = ["name", "code"]
    filter_horizontal = ["supervisors"]


class AgentMoveInline(admin.TabularInline):
    model = AgentMove
    fk_name = "agent"
    extra = 0
    can_delete = False
    fields = ["effective_from", "from_department", "to_department", "applied", "note", "created_by", "created_at"]
    readonly_fields = fields
    ordering = ["-effective_from"]
    verbose_name = "department move"

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # moves are recorded on /manage/agents/<id>/, which keeps the history consistent


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["name", "external_id", "department", "active", "user", "moves_link"]
    list_filter = ["active", "department"]
    search_fields = ["name", "external_id"]
    list_select_related = ["department", "user"]
    autocomplete_fields = ["department"]
    raw_id_fields = ["user"]
    inlines = [AgentMoveInline]

    @admin.display(description="Move")
    def moves_link(self, obj: Agent) -> str:
        return format_html('<a href="/manage/agents/{}/">Move to another department…</a>', obj.pk)

    def save_model(self, request, obj: Agent, form, change: bool) -> None:
        old_department_id = form.initial.get("department") if change else None
        super().save_model(request, obj, form, change)
        if change and "department" in form.changed_data:
            services.record_department_change(agent=obj, old_department_id=old_department_id, by=request.user)


@admin.register(AgentMove)
class AgentMoveAdmin(admin.ModelAdmin):
    list_display = ["agent", "effective_from", "from_department", "to_department", "applied", "created_by"]
    list_filter = ["applied", "to_department"]
    search_fields = ["agent__name", "agent__external_id"]
    list_select_related = ["agent", "from_department", "to_department", "created_by"]
    date_hierarchy = "effective_from"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
