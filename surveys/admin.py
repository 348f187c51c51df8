from django.contrib import admin
from django.db import models
from django.utils.html import format_html

from surveys.models import (
    ApiToken,
    Interaction,
    Invitation,
    Response,
    Survey,
    SurveyTranslation,
    SurveyVersion,
)
from surveys.versions import snapshot


class SurveyTranslationInline(admin.StackedInline):
    model = SurveyTranslation
    extra = 0
    fields = ["language", "company_question", "agent_question", "why_prompt"]


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    """The raw tables; admins normally use the survey editor at /manage/surveys/."""

    list_display = ["name", "is_default", "active", "link_expiry_days", "fatigue_days", "editor_link"]
    list_filter = ["active", "is_default"]
    search_fields = ["name"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # Extra questions, assignment rules and reminders are edited in the survey editor only.
    inlines = [SurveyTranslationInline]
    readonly_fields = ["reminder_enabled", "reminder_after_hours", "questions_summary", "rules_summary"]
    fieldsets = [
        (None, {"fields": ["name", "is_default", "active", "default_language"]}),
        ("Channels", {"fields": ["invite_phone", "invite_chat", "invite_email", "invite_sms"]}),
        (
            "Sampling",
            {
                "fields": [
                    "fatigue_days",
                    "agent_monthly_target",
                    "send_delay_minutes",
                    "link_expiry_days",
                    "max_invite_age_hours",
                ]
            },
        ),
        ("Branding", {"fields": ["display_name", "logo_url", "accent_colour", "privacy_url"]}),
        (
            "Edited in the survey editor",
            {"fields": ["questions_summary", "rules_summary", "reminder_enabled", "reminder_after_hours"]},
        ),
    ]

    @admin.display(description="Extra questions")
    def questions_summary(self, obj: Survey) -> str:
        return ", ".join(f"{q.key} ({q.get_kind_display()})" for q in obj.questions.all()) or "None"

    @admin.display(description="Assignment rules")
    def rules_summary(self, obj: Survey) -> str:
        return "; ".join(str(rule) for rule in obj.rules.select_related("department")) or "None"

    @admin.display(description="Editor")
    def editor_link(self, obj: Survey) -> str:
        return format_html('<a href="/manage/surveys/{}/">Open in the survey editor</a>', obj.pk)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        snapshot(form.instance, by=request.user)  # a wording or question change is a new version


@admin.register(SurveyVersion)
class SurveyVersionAdmin(admin.ModelAdmin):
    """Versions are frozen: they can be read here, never changed."""

    list_display = ["survey", "number", "created_at", "created_by"]
    list_filter = ["survey"]
    list_select_related = ["survey", "created_by"]
    readonly_fields = ["survey", "number", "content", "created_at", "created_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class InvitationInline(admin.StackedInline):
    model = Invitation
    extra = 0
    can_delete = False
    readonly_fields = [
        "status",
        "suppressed_reason",
        "method",
        "language",
        "survey_version",
        "send_after",
        "expires_at",
        "sent_at",
        "opened_at",
        "answered_at",
        "attempts",
        "last_error",
        "reminder_sent_at",
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
    raw_id_fields = ["interaction", "survey_version"]
    readonly_fields = ["attempts", "last_error", "reminder_sent_at", "reminder_attempts", "created_at"]


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
    raw_id_fields = ["invitation", "interaction", "agent", "department", "survey_version"]
    date_hierarchy = "occurred_at"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "active", "created_at", "last_used_at"]
    list_filter = ["active"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "created_by"]

    def has_add_permission(self, request) -> bool:
        return False  # keys are created with `manage.py create_api_token` so they can be shown once
