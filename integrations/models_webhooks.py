"""Webhooks out: subscriptions (other systems told about our events) and their deliveries.

A delivery row is the queue and the log at once: created pending when the event happens
(one INSERT for all subscriptions of the event), counted and timestamped on every try,
and picked up again by the periodic sweep when its queued task was lost.
"""

from django.conf import settings
from django.db import models


class WebhookEvent(models.TextChoices):
    """Event types a subscription may ask for (**contract**: DESIGN.md, "Webhooks out")."""

    RESPONSE_CREATED = "response.created", "A customer answered a survey"
    CASE_OPENED = "case.opened", "A detractor answer opened a follow-up case"
    CASE_RESOLVED = "case.resolved", "A follow-up case was resolved or closed"
    ALERT_FIRED = "alert.fired", "A detractor alert went to the supervisors"


# Sent only by an admin's "Send a test event", to one subscription, whatever its events.
TEST_EVENT = "webhook.test"


class WebhookSubscriptionQuerySet(models.QuerySet):
    def live(self) -> "WebhookSubscriptionQuerySet":
        return self.filter(deleted_at__isnull=True)


class WebhookSubscription(models.Model):
    """A receiver URL and the events it wants. Deleting keeps the row (deleted_at) so its
    delivery log stays readable and a delivery already queued is cancelled, not orphaned."""

    class Target(models.TextChoices):
        STANDARD = "standard", "Standard Webhooks (signed JSON)"
        SLACK = "slack", "Slack incoming webhook"
        TEAMS = "teams", "Microsoft Teams incoming webhook"

    url = models.CharField(max_length=2000)
    events = models.JSONField(default=list, help_text='Event types, e.g. ["response.created"].')
    target = models.CharField(max_length=10, choices=Target.choices, default=Target.STANDARD)
    description = models.CharField(max_length=200, blank=True)
    # Needed in clear to sign each delivery; shown once, when the subscription is created.
    secret = models.CharField(max_length=100, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_token = models.ForeignKey(
        "surveys.ApiToken", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = WebhookSubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Webhook {self.pk} → {self.url}"[:200]


class WebhookDelivery(models.Model):
    """One event for one subscription: its payload (fixed when the event happened) and how
    its delivery went. Retries keep the same message id, as the Standard Webhooks spec asks."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=64, help_text="The webhook-id header; one per event.")
    event_type = models.CharField(max_length=40)
    payload = models.JSONField(help_text='{"type", "timestamp", "data"} as sent to a standard receiver.')
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="Pending: when the next try is due (or a running try's lease ends)."
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    replayed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "message_id"], name="webhook_delivery_once_per_message"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="webhook_delivery_due_idx",
            ),
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id} → subscription {self.subscription_id} ({self.status})"
