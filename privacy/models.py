"""The audit trail of personal data removed: each erasure request and each retention run.

An entry never holds the identifier it was asked about, only a keyed hash of it
(privacy/services.py), so the trail itself stores no personal data yet can still answer
"was this customer erased, when, by whom?" when the same identifier is asked about again.
"""

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    class Kind(models.TextChoices):
        ERASURE = "erasure", "Erasure on request"
        RETENTION = "retention", "Retention (older data anonymised)"

    class Via(models.TextChoices):
        DASHBOARD = "dashboard", "Privacy page"
        COMMAND = "command", "Management command"
        SCHEDULE = "schedule", "Daily schedule"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    at = models.DateTimeField(db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty: the schedule or the command line did it.",
    )
    via = models.CharField(max_length=10, choices=Via.choices)
    identifier_kind = models.CharField(max_length=5, blank=True, help_text="email or phone (erasure only).")
    identifier_hash = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="Keyed SHA-256 of the identifier, never the identifier."
    )
    cutoff = models.DateTimeField(null=True, blank=True, help_text="Retention: data before this was anonymised.")
    months = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Retention: RETENTION_MONTHS used.")
    counts = models.JSONField(default=dict, help_text="Rows changed, per kind of data.")

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "privacy audit entry"
        verbose_name_plural = "privacy audit entries"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def rows_changed(self) -> int:
        return sum(value for value in self.counts.values() if isinstance(value, int))


class ChangeRecord(models.Model):
    """One change made by a person or an integration: who, when, what, from which address.

    Written only through privacy.audit.record(); never edited or deleted from the UI.
    """

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True, help_text="Kept when the user is deleted.")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=60, db_index=True, help_text='Dotted verb, e.g. "survey.updated".')
    target_type = models.CharField(max_length=60, blank=True, db_index=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="privacy_change_target")]

    def __str__(self) -> str:
        return f"{self.action} {self.target_repr} by {self.actor_name or 'system'} at {self.at:%Y-%m-%d %H:%M}"
