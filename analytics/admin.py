"""Weekly digests in the Django admin: whether each went out, and a way to send it again."""

from django.contrib import admin

from analytics.models import WeeklyDigest
from analytics.tasks import send_weekly_digest
from nps_project.enqueue import enqueue


@admin.register(WeeklyDigest)
class WeeklyDigestAdmin(admin.ModelAdmin):
    """Whether each weekly digest went out; a failing mail server shows here with its error."""

    list_display = ["week", "recipient", "audience", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "audience", "week"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__username", "recipient__email"]
    readonly_fields = ["recipient", "audience", "week", "status", "created_at", "sent_at", "attempts", "last_error"]
    actions = ["send_again"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Send the selected unsent digests again")
    def send_again(self, request, queryset) -> None:
        unsent = list(
            queryset.filter(status__in=[WeeklyDigest.Status.PENDING, WeeklyDigest.Status.FAILED]).values_list(
                "pk", flat=True
            )
        )
        for digest_id in unsent:
            enqueue(send_weekly_digest, digest_id)
        self.message_user(request, f"Sending {len(unsent)} digest(s) again.")
