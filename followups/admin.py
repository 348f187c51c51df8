"""Follow-up cases in the Django admin: read-only records of what happened, with the alert
and escalation outcomes admins need when mail is failing. Cases change on the case page,
which records who did what in the history."""

from django.contrib import admin

from followups.models import (
    AlertFiring,
    CaseAlert,
    CaseEvent,
    CoachingGoal,
    CoachingNote,
    FollowUpCase,
    Kudos,
    NotificationPreference,
    PromoterContact,
    RecoverySurvey,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ["at", "actor", "kind", "from_status", "to_status", "text"]
    readonly_fields = fields


class CaseAlertInline(ReadOnlyInline):
    model = CaseAlert
    fields = ["recipient", "mode", "created_at", "sent_at", "attempts", "last_error"]
    readonly_fields = fields


class RecoverySurveyInline(admin.StackedInline):
    model = RecoverySurvey
    extra = 0
    can_delete = False
    fields = ["language", "email", "created_at", "created_by", "expires_at", "sent_at", "attempts", "last_error"]
    fields += ["score", "answered_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FollowUpCase)
class FollowUpCaseAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "department",
        "assignee",
        "status",
        "opened_at",
        "due_at",
        "overdue",
        "alert_sent_at",
        "alert_failing",
        "escalated_at",
    ]
    list_filter = ["status", "department", ("alert_sent_at", admin.EmptyFieldListFilter), "escalated_at"]
    list_select_related = ["department", "assignee"]
    search_fields = ["response__interaction__external_id", "response__interaction__customer_email", "outcome"]
    readonly_fields = [
        "response",
        "department",
        "assignee",
        "status",
        "outcome",
        "due_at",
        "opened_at",
        "contacted_at",
        "closed_at",
        "alert_sent_at",
        "alert_error",
        "escalated_at",
        "escalation_error",
    ]
    fieldsets = [
        (None, {"fields": ["response", "department", "assignee", "status", "outcome", "due_at"]}),
        ("Timeline", {"fields": ["opened_at", "contacted_at", "closed_at"]}),
        ("Alerts and escalation", {"fields": ["alert_sent_at", "alert_error", "escalated_at", "escalation_error"]}),
    ]
    inlines = [CaseAlertInline, RecoverySurveyInline, CaseEventInline]
    date_hierarchy = "opened_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(boolean=True)
    def overdue(self, case: FollowUpCase) -> bool:
        return case.is_overdue

    @admin.display(boolean=True, description="Alert failing")
    def alert_failing(self, case: FollowUpCase) -> bool:
        return bool(case.alert_error)


@admin.register(CaseAlert)
class CaseAlertAdmin(admin.ModelAdmin):
    list_display = ["case", "recipient", "mode", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = ["mode", ("sent_at", admin.EmptyFieldListFilter)]
    list_select_related = ["case", "recipient"]
    readonly_fields = ["case", "recipient", "mode", "created_at", "sent_at", "attempts", "last_error"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "case_alerts", "weekly_digest", "updated_at"]
    list_filter = ["case_alerts", "weekly_digest"]
    search_fields = ["user__username", "user__email"]
    raw_id_fields = ["user"]


@admin.register(PromoterContact)
class PromoterContactAdmin(admin.ModelAdmin):
    list_display = ["response", "kind", "by", "at"]
    list_filter = ["kind"]
    list_select_related = ["response", "by"]
    readonly_fields = ["response", "kind", "by", "at", "note"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(AlertFiring)
class AlertFiringAdmin(admin.ModelAdmin):
    """What each alert rule sent and each channel's answer (rules are edited at /manage/alerts/)."""

    list_display = ["at", "rule", "subject", "department", "agent"]
    list_filter = ["rule"]
    list_select_related = ["rule", "department", "agent"]
    readonly_fields = [f.name for f in AlertFiring._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(CoachingNote)
class CoachingNoteAdmin(admin.ModelAdmin):
    list_display = ["agent", "author", "created_at"]
    list_filter = ["agent__department"]
    search_fields = ["agent__name", "agent__external_id"]
    raw_id_fields = ["agent"]
    readonly_fields = ["author", "created_at"]


@admin.register(CoachingGoal)
class CoachingGoalAdmin(admin.ModelAdmin):
    list_display = ["agent", "kind", "target_nps", "theme_key", "target_share", "starts_on", "due_on", "status"]
    list_filter = ["status", "kind", "agent__department"]
    search_fields = ["agent__name", "agent__external_id"]
    raw_id_fields = ["agent"]
    readonly_fields = ["created_by", "created_at", "closed_at"]


@admin.register(Kudos)
class KudosAdmin(admin.ModelAdmin):
    list_display = ["agent", "sent_by", "sent_at"]
    list_filter = ["agent__department"]
    search_fields = ["agent__name", "agent__external_id"]
    raw_id_fields = ["agent", "response"]
    readonly_fields = ["sent_by", "sent_at"]
