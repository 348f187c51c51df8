from django.contrib import admin

from surveys.models import ApiToken, Interaction, Invitation, Response, Survey, SurveyTranslation


class SurveyTranslationInline(admin.StackedInline):
    model = SurveyTranslation
    extra = 0
    fields = ["language", "company_question", "agent_question", "why_prompt"]


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "active", "link_expiry_days", "fatigue_days", "agent_monthly_target"]
    list_filter = ["active", "is_default"]
    search_fields = ["name"]
    inlines = [SurveyTranslationInline]
    fieldsets = [
        (None, {"fields": ["name", "is_default", "active", "default_language"]}),
        ("Channels", {"fields": ["invite_phone", "invite_chat", "invite_email", "invite_sms"]}),
        ("Sampling", {"fields": ["fatigue_days", "agent_monthly_target", "send_delay_minutes", "link_expiry_days"]}),
    ]


class InvitationInline(admin.StackedInline):
    model = Invitation
    extra = 0
    can_delete = False
    readonly_fields = [
        "status",
        "suppressed_reason",
        "method",
        "language",
        "send_after",
        "expires_at",
        "sent_at",
        "opened_at",
        "answered_at",
        "attempts",
        "last_error",
    ]
    fields = readonly_fields


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["external_id", "source", "channel", "occurred_at", "agent", "department", "customer_email"]
    list_filter = ["channel", "source", "department"]
    search_fields = ["external_id", "customer_email", "customer_phone", "customer_name", "agent__name"]
    list_select_related = ["agent", "department"]
    raw_id_fields = ["agent", "department", "survey"]
    date_hierarchy = "occurred_at"
    inlines = [InvitationInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "interaction",
        "status",
        "suppressed_reason",
        "method",
        "language",
        "sent_at",
        "opened_at",
        "answered_at",
    ]
    list_filter = ["status", "suppressed_reason", "method", "language"]
    search_fields = ["interaction__external_id", "interaction__customer_email", "interaction__customer_phone"]
    list_select_related = ["interaction"]
    raw_id_fields = ["interaction"]
    readonly_fields = ["attempts", "last_error", "created_at"]


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = [
        "interaction",
        "company_score",
        "agent_score",
        "agent",
        "department",
        "channel",
        "language",
        "submitted_at",
    ]
    list_filter = ["channel", "language", "department"]
    search_fields = ["why", "interaction__external_id", "agent__name", "interaction__customer_email"]
    list_select_related = ["interaction", "agent", "department"]
    raw_id_fields = ["invitation", "interaction", "agent", "department"]
    date_hierarchy = "occurred_at"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "active", "created_at", "last_used_at"]
    list_filter = ["active"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "created_by"]

    def has_add_permission(self, request) -> bool:
        return False  # keys are created with `manage.py create_api_token` so they can be shown once
