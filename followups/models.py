"""Closing the loop: follow-up cases for detractors, their history and alerts, the users'
notification preferences, recovery re-surveys and promoters to thank.

These models were born in `analytics` and moved here; they keep their tables (`db_table`
names the old ones, see migrations/0001_move_from_analytics.py), so no row moved and the
foreign keys of other apps still point at the same tables.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class CaseAlertMode(models.TextChoices):
    IMMEDIATE = "immediate", "At once, one email per case"
    HOURLY = "hourly", "Hourly digest"
    OFF = "off", "Off"


class NotificationPreference(models.Model):
    """How a user wants to hear about new follow-up cases (no row = at once)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    case_alerts = models.CharField(
        "New case alerts", max_length=10, choices=CaseAlertMode.choices, default=CaseAlertMode.IMMEDIATE
    )
    weekly_digest = models.BooleanField(
        "Weekly digest by email",
        default=True,
        help_text="A Monday summary of last week's NPS for what you see: the company, your departments or yourself.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "analytics_notificationpreference"

    def __str__(self) -> str:
        return f"{self.user}: case alerts {self.case_alerts}, weekly digest {'on' if self.weekly_digest else 'off'}"


class FollowUpCase(models.Model):
    """A detractor answer someone must follow up: one per response, owned by the department
    the interaction happened in (the snapshot, not the agent's current one)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CONTACTED = "contacted", "Contacted"
        RESOLVED = "resolved", "Resolved"
        WONT_FIX = "wont_fix", "Won't fix"

    ACTIVE = (Status.OPEN, Status.CONTACTED)

    response = models.OneToOneField("surveys.Response", on_delete=models.PROTECT, related_name="followup_case")
    department = models.ForeignKey("agents.Department", on_delete=models.PROTECT, related_name="followup_cases")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
        help_text="Empty: nobody supervises the department; admins see the case as unassigned.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField()
    contacted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    # Whether the supervisors heard about it: first successful alert, last failure.
    alert_sent_at = models.DateTimeField(null=True, blank=True)
    alert_error = models.TextField(blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True, help_text="When admins were told it is overdue.")
    escalation_error = models.TextField(blank=True)

    class Meta:
        db_table = "analytics_followupcase"
        ordering = ["due_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "contacted"]) | ~models.Q(outcome=""),
                name="followup_closed_case_has_outcome",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="followup_status_due_idx"),
            models.Index(fields=["department", "status"], name="followup_dept_status_idx"),
        ]

    def __str__(self) -> str:
        return f"Case {self.pk} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def is_overdue(self) -> bool:
        return self.is_active and self.due_at < timezone.now()


class CaseEvent(models.Model):
    """One line of a case's history: who did what, when."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        ASSIGNED = "assigned", "Assigned"
        STATUS = "status", "Status changed"
        NOTE = "note", "Note"
        ALERTED = "alerted", "Supervisor alerted"
        ESCALATED = "escalated", "Escalated to admins"
        RECOVERY_SENT = "recovery_sent", "Recovery survey sent"
        RECOVERY_ANSWERED = "recovery_answered", "Recovery survey answered"

    case = models.ForeignKey(FollowUpCase, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty: the system (or the customer) did it.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        db_table = "analytics_caseevent"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on case {self.case_id} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def status_change(self) -> str:
        labels = dict(FollowUpCase.Status.choices)
        return f"{labels.get(self.from_status, self.from_status)} → {labels.get(self.to_status, self.to_status)}"

    @classmethod
    def record(
        cls,
        case: FollowUpCase,
        kind: str,
        *,
        actor=None,
        from_status: str = "",
        to_status: str = "",
        text: str = "",
        at=None,
    ) -> "CaseEvent":
        return cls.objects.create(
            case=case,
            kind=kind,
            actor=actor,
            from_status=from_status,
            to_status=to_status,
            text=text,
            at=at or timezone.now(),
        )


class CaseAlert(models.Model):
    """One supervisor's email about one new case, sent at once or in their hourly digest.
    Unsent rows are the queue: a lost task or a mail outage loses nothing."""

    case = models.ForeignKey(FollowUpCase, on_delete=models.CASCADE, related_name="alerts")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_alerts")
    mode = models.CharField(max_length=10, choices=CaseAlertMode.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        db_table = "analytics_casealert"
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "recipient"], name="one_alert_per_case_recipient")]
        indexes = [models.Index(fields=["mode", "sent_at"], name="case_alert_pending_idx")]

    def __str__(self) -> str:
        return f"Alert to {self.recipient} about case {self.case_id}"


class RecoverySurvey(models.Model):
    """The one-question re-survey a resolved case sends the customer. Token as in
    surveys/tokens.py: only the nonce and the token's hash are stored."""

    case = models.OneToOneField(FollowUpCase, on_delete=models.CASCADE, related_name="recovery")
    token_nonce = models.CharField(max_length=32, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    language = models.CharField(max_length=10, default="en")
    email = models.EmailField(max_length=254, blank=True, help_text="Where it was emailed; empty = link only.")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "analytics_recoverysurvey"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=0, score__lte=10),
                name="recovery_score_0_to_10",
            )
        ]

    def __str__(self) -> str:
        return f"Recovery survey for case {self.case_id}"


class PromoterContact(models.Model):
    """A promoter someone thanked or asked for a review: at most one per answer, so nobody is
    thanked twice for it; the fatigue window keeps the customer from being contacted again soon."""

    class Kind(models.TextChoices):
        THANKS = "thanks", "Thanked"
        REVIEW = "review", "Asked for a review"

    response = models.OneToOneField("surveys.Response", on_delete=models.CASCADE, related_name="promoter_contact")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.THANKS)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(db_index=True)
    note = models.TextField(blank=True)

    class Meta:
        db_table = "analytics_promotercontact"
        ordering = ["-at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: answer {self.response_id} at {self.at:%Y-%m-%d %H:%M}"


# --- Alert rules (followups/rules.py, followups/channels.py, /manage/alerts/) ----------------


class AlertRule(models.Model):
    """An admin's rule: when an answer, an agent or a department matches its conditions, tell
    these channels, at most once per quiet period for the same key (see AlertQuietKey).

    `conditions` by kind (every given condition must hold):
    answer: {"score_max": 0–10, "question": "company"|"agent"|"either", "tag": "vip",
             "attribute": "language"|"channel", "attribute_value": "es", "theme": "billing"}
    agent: {"weeks": N, "min_responses": n} (adjusted NPS down beyond the noise, N weeks vs the N before)
    department: {"weeks": N, "driver": "tag=vip" (optional: a driver's NPS dropping beyond the noise)}
    """

    class Kind(models.TextChoices):
        ANSWER = "answer", "An answer"
        AGENT = "agent", "An agent's NPS drops"
        DEPARTMENT = "department", "A department's NPS drops"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        INAPP = "inapp", "In the app (cases page)"
        SLACK = "slack", "Slack"
        TEAMS = "teams", "Microsoft Teams"

    name = models.CharField(max_length=120)
    active = models.BooleanField(default=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.ANSWER)
    conditions = models.JSONField(default=dict, blank=True)
    channels = models.JSONField(default=list, blank=True)
    department = models.ForeignKey(
        "agents.Department",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alert_rules",
        help_text="Empty: every department.",
    )
    email_to = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text="Empty: the supervisors of the department concerned.",
    )
    slack_url = models.URLField("Slack incoming-webhook URL", max_length=500, blank=True)
    teams_url = models.URLField("Teams incoming-webhook URL", max_length=500, blank=True)
    quiet_minutes = models.PositiveIntegerField(
        "Quiet period (minutes)",
        default=60,
        help_text="The same rule alerts at most once in this time for the same key.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class AlertQuietKey(models.Model):
    """When a rule last fired for one key (the rule itself for answer rules, an agent or a
    department): the row is locked while deciding, so concurrent matches fire once."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="quiet_keys")
    key = models.CharField(max_length=120)
    last_fired_at = models.DateTimeField(null=True, blank=True)
    held_back = models.PositiveIntegerField(default=0, help_text="Matches kept quiet since the last alert.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "key"], name="alert_quiet_key_unique")]

    def __str__(self) -> str:
        return f"{self.rule} / {self.key}"


class AlertFiring(models.Model):
    """One alert a rule sent, and what each channel answered. One per rule and event
    (an answer, or an agent/department and period), enforced by the database."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="firings")
    event_key = models.CharField(max_length=120)
    quiet_key = models.CharField(max_length=120)
    at = models.DateTimeField(db_index=True)
    subject = models.CharField(max_length=200)
    text = models.TextField()
    url = models.CharField(max_length=500, blank=True)
    department = models.ForeignKey(
        "agents.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agent = models.ForeignKey("agents.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    case = models.ForeignKey(FollowUpCase, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    channel_results = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["rule", "event_key"], name="alert_firing_once_per_event")]

    def __str__(self) -> str:
        return f"{self.rule}: {self.subject}"


from followups.coaching_models import CoachingGoal, CoachingNote, Kudos  # noqa: E402, F401 - coaching's models
