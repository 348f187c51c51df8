"""Derived data: NPS buckets and champion snapshots. Everything here can be rebuilt from
surveys.Response with `manage.py rebuild_nps`; only analytics/buckets.py writes buckets.
Follow-up cases, alerts, recovery re-surveys and promoters to thank live in followups/models.py."""

from django.conf import settings
from django.db import models


class Scope(models.TextChoices):
    COMPANY = "company", "Company"
    DEPARTMENT = "department", "Department"
    AGENT = "agent", "Agent"
    # The agent rows of one calendar month summed, `day` = the 1st: a year is 12 rows per
    # agent and channel instead of 365. Derived from the agent rows; readers that only sum
    # over a period use them for its whole months (analytics.selectors.period_rows).
    AGENT_MONTH = "agentmonth", "Agent, by month"


class NpsBucket(models.Model):
    """Answer counts for one scope, channel and day, for both questions.

    `day` is the local date (TIME_ZONE) of the interaction that was rated. Keys are plain
    integers rather than foreign keys because the row is derived: department_key is the
    Department id (0 for the company scope), agent_key the Agent id (0 unless agent scope).
    An agent-scope row is per agent *and* department snapshot, so an agent who moved keeps
    past answers in the old department.
    """

    scope = models.CharField(max_length=10, choices=Scope.choices)
    department_key = models.BigIntegerField(default=0)
    agent_key = models.BigIntegerField(default=0)
    channel = models.CharField(max_length=10)
    day = models.DateField()
    company_promoters = models.PositiveIntegerField(default=0)
    company_passives = models.PositiveIntegerField(default=0)
    company_detractors = models.PositiveIntegerField(default=0)
    agent_promoters = models.PositiveIntegerField(default=0)
    agent_passives = models.PositiveIntegerField(default=0)
    agent_detractors = models.PositiveIntegerField(default=0)
    responses = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "day", "department_key", "agent_key", "channel"], name="nps_bucket_key"
            ),
        ]
        indexes = [models.Index(fields=["scope", "department_key", "day"], name="nps_bucket_dept_day_idx")]

    def __str__(self) -> str:
        return f"{self.scope} d{self.department_key} a{self.agent_key} {self.channel} {self.day}"


# The count columns of an NpsBucket, in this order wherever SQL lists them.
BUCKET_COUNTERS = [
    "company_promoters",
    "company_passives",
    "company_detractors",
    "agent_promoters",
    "agent_passives",
    "agent_detractors",
    "responses",
]


class DirtyBucket(models.Model):
    """An agent bucket key touched by a new answer and not yet recomputed.

    Kept in the database, not the broker, so a Redis outage loses nothing: the next
    flush or reconcile picks the keys up.
    """

    department_key = models.BigIntegerField()
    agent_key = models.BigIntegerField()
    channel = models.CharField(max_length=10)
    day = models.DateField()
    version = models.PositiveIntegerField(default=1)
    marked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "department_key", "agent_key", "channel"], name="dirty_bucket_key")
        ]

    def __str__(self) -> str:
        return f"dirty d{self.department_key} a{self.agent_key} {self.channel} {self.day}"


class ChampionSnapshot(models.Model):
    """The champion analysis as computed at one moment (refreshed by beat)."""

    computed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    since = models.DateField()
    until = models.DateField()
    min_responses = models.PositiveIntegerField()
    top_n = models.PositiveIntegerField()
    data = models.JSONField()

    class Meta:
        ordering = ["-computed_at"]
        get_latest_by = "computed_at"

    def __str__(self) -> str:
        return f"Champions {self.since}–{self.until} at {self.computed_at:%Y-%m-%d %H:%M}"


SCORES = range(11)


class ScoreHistogram(models.Model):
    """Answers per 0–10 score for one department, channel and day, for both questions:
    columns company_0 … company_10 and agent_0 … agent_10 (added below the class).
    The company's distribution is the sum over departments."""

    department_key = models.BigIntegerField()
    channel = models.CharField(max_length=10)
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "department_key", "channel"], name="score_histogram_key")]

    def __str__(self) -> str:
        return f"scores d{self.department_key} {self.channel} {self.day}"


HISTOGRAM_COLUMNS = [f"{question}_{score}" for question in ("company", "agent") for score in SCORES]
for _column in HISTOGRAM_COLUMNS:
    models.PositiveIntegerField(default=0).contribute_to_class(ScoreHistogram, _column)


class Grain(models.TextChoices):
    DAY = "day", "Day"
    # The day rows of one calendar month summed, `day` = the 1st (see Scope.AGENT_MONTH).
    MONTH = "month", "Month"


class FunnelBucket(models.Model):
    """Interactions → invited → delivered (or failed) → opened → answered, and why the rest
    were not surveyed, for one agent (department snapshot),
    channel and day of the interaction, or (grain month) calendar month."""

    grain = models.CharField(max_length=5, choices=Grain.choices, default=Grain.DAY)
    department_key = models.BigIntegerField()
    agent_key = models.BigIntegerField()
    channel = models.CharField(max_length=10)
    day = models.DateField()
    interactions = models.PositiveIntegerField(default=0)
    suppressed = models.PositiveIntegerField(default=0)
    # Part of `suppressed`: recorded without an invitation by request (invite: false, a
    # backfill) or because the interaction was too old to ask about when reported.
    not_requested = models.PositiveIntegerField(default=0)
    too_old = models.PositiveIntegerField(default=0)
    # The rest of `suppressed`, by the sampling rule that said no (surveys.sampling).
    fatigue = models.PositiveIntegerField(default=0)
    sample_reached = models.PositiveIntegerField(default=0)
    channel_disabled = models.PositiveIntegerField(default=0)
    survey_inactive = models.PositiveIntegerField(default=0)
    invited = models.PositiveIntegerField(default=0)
    # Of `invited`: the link reached the customer (sent by email or SMS, or handed to the
    # platform), or delivery was given up after the last retry.
    delivered = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    opened = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "day", "department_key", "agent_key", "channel"], name="funnel_bucket_grain_key"
            )
        ]
        # The agents table reads coverage for the agents on one page only.
        indexes = [models.Index(fields=["agent_key", "grain", "day"], name="funnel_bucket_agent_idx")]

    def __str__(self) -> str:
        return f"funnel d{self.department_key} a{self.agent_key} {self.channel} {self.grain} {self.day}"


class DriverBucket(models.Model):
    """Answer counts by an attribute of the interaction (handle-time band, transfers,
    resolved, tag) for one department, channel and day, or (grain month) calendar month:
    what costs NPS points."""

    grain = models.CharField(max_length=5, choices=Grain.choices, default=Grain.DAY)
    dimension = models.CharField(max_length=20)
    value = models.CharField(max_length=60)
    department_key = models.BigIntegerField()
    channel = models.CharField(max_length=10)
    day = models.DateField()
    company_promoters = models.PositiveIntegerField(default=0)
    company_passives = models.PositiveIntegerField(default=0)
    company_detractors = models.PositiveIntegerField(default=0)
    agent_promoters = models.PositiveIntegerField(default=0)
    agent_passives = models.PositiveIntegerField(default=0)
    agent_detractors = models.PositiveIntegerField(default=0)
    responses = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "dimension", "value", "day", "department_key", "channel"],
                name="driver_bucket_grain_key",
            )
        ]
        indexes = [models.Index(fields=["grain", "day"], name="driver_bucket_grain_day_idx")]

    def __str__(self) -> str:
        return f"{self.dimension}={self.value} d{self.department_key} {self.channel} {self.day}"


# --- Weekly digests (analytics/digests.py) -----------------------------------------------


class ExtraAnswerBucket(models.Model):
    """Answers to the surveys' extra scale and yes/no questions (CSAT, CES, …) for one
    agent (department snapshot), channel, local day of the interaction, question key and
    answer: how many customers gave it. `kind` is the question's kind in the survey version
    the customer answered; text answers are not counted here."""

    day = models.DateField()
    department_key = models.BigIntegerField()
    agent_key = models.BigIntegerField()
    channel = models.CharField(max_length=10)
    question_key = models.CharField(max_length=40)
    kind = models.CharField(max_length=10)
    value = models.CharField(max_length=10)  # "1".."7", or "true"/"false" for yes/no
    answers = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "department_key", "agent_key", "channel", "question_key", "kind", "value"],
                name="extra_answer_bucket_key",
            )
        ]
        indexes = [models.Index(fields=["agent_key", "day"], name="extra_answer_agent_idx")]

    def __str__(self) -> str:
        return f"{self.question_key}={self.value} d{self.department_key} a{self.agent_key} {self.day}"


class DigestAudience(models.TextChoices):
    ADMIN = "admin", "Company summary (admins)"
    SUPERVISOR = "supervisor", "Their departments (supervisors)"
    AGENT = "agent", "Their own NPS (agents)"


class WeeklyDigest(models.Model):
    """One user's digest about one week (Monday to Sunday, local time). The row is both the
    queue and the record: one per user and week, so a repeated or retried run never sends
    twice; failures are counted here with the last error for admins to see."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (retried hourly this week)"
        SKIPPED = "skipped", "Skipped"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_digests")
    audience = models.CharField(max_length=10, choices=DigestAudience.choices)
    week = models.DateField(help_text="Monday of the week reported on.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-week", "audience", "pk"]
        constraints = [models.UniqueConstraint(fields=["recipient", "week"], name="one_digest_per_user_week")]
        indexes = [models.Index(fields=["week", "status"], name="weekly_digest_week_status_idx")]

    def __str__(self) -> str:
        return f"Digest for {self.recipient}, week of {self.week:%d %b %Y}"


from analytics.themes.models import Polarity, ResponseTheme, Theme, ThemeTagging  # noqa: E402, F401


class PlanAction(models.Model):
    """A champion-plan item (move or pairing) someone accepted, tracked from its start date.

    Written only by analytics/plan_tracking.py. An accepted move is also an agents.AgentMove
    (the agent's department changes on the start date; past answers keep their snapshot).
    The item's identity in the plan is `item_key`; a champion is in at most one tracked item
    at a time (the database holds it), so accepting twice stores nothing.
    """

    class Kind(models.TextChoices):
        MOVE = "move", "Move"
        PAIR = "pair", "Pairing"

    class Status(models.TextChoices):
        TRACKING = "tracking", "Tracking"
        STOPPED = "stopped", "Stopped"
        UNDONE = "undone", "Undone"

    kind = models.CharField(max_length=4, choices=Kind.choices)
    item_key = models.CharField(max_length=1000, help_text="The plan item's identity: kind, champion, target, paired.")
    champion = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="plan_actions")
    paired = models.ManyToManyField("agents.Agent", related_name="plan_pairings", blank=True)
    from_department = models.ForeignKey(
        "agents.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_department = models.ForeignKey("agents.Department", on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField(help_text="First day of the move or pairing (local date).")
    move = models.ForeignKey("agents.AgentMove", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    expected = models.JSONField(default=dict, help_text="The plan's expected effect and text when accepted.")
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TRACKING)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["champion"], condition=models.Q(status="tracking"), name="one_tracked_plan_item_per_champion"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.champion} → {self.to_department} from {self.start_date}"
