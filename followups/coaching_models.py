"""Coaching: a supervisor's private notes on an agent, the agent's goals, and kudos (a
promoter's comment a supervisor sends the agent). Imported by followups/models.py.

Who sees what: notes only the supervisors of the agent's department and admins; goals and
kudos also the agent themself. Never another agent.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

NOTE_MAX_CHARS = 4000
KUDOS_MESSAGE_MAX_CHARS = 500


class CoachingNote(models.Model):
    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="coaching_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    text = models.TextField(max_length=NOTE_MAX_CHARS)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["agent", "-created_at"], name="coaching_note_agent_idx")]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="coaching_note_not_empty")]

    def __str__(self) -> str:
        return f"Note on {self.agent} at {self.created_at:%Y-%m-%d}"


class CoachingGoal(models.Model):
    """A target for one agent: an NPS on the agent question to reach, or a theme whose share
    of the agent's comments should fall to at most a given percentage, by a due date.
    Progress counts the answers from `starts_on` (the day it was set) to today."""

    class Kind(models.TextChoices):
        NPS = "nps", "Reach an NPS on the agent question"
        THEME = "theme", "Fewer comments about a theme"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        MET = "met", "Met"
        DROPPED = "dropped", "Dropped"

    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="coaching_goals")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    target_nps = models.SmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(-100), MaxValueValidator(100)]
    )
    theme_key = models.SlugField(max_length=40, blank=True)
    target_share = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)], help_text="At most this % of comments."
    )
    starts_on = models.DateField()
    due_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="nps", target_nps__isnull=False, target_nps__gte=-100, target_nps__lte=100))
                | Q(kind="theme", target_share__isnull=False, target_share__lte=100) & ~Q(theme_key=""),
                name="coaching_goal_has_target",
            ),
            models.CheckConstraint(condition=Q(due_on__gt=models.F("starts_on")), name="coaching_goal_due_after_start"),
        ]

    def __str__(self) -> str:
        return f"Goal for {self.agent}: {self.target_text}"

    @property
    def target_text(self) -> str:
        if self.kind == self.Kind.NPS:
            return f"NPS {self.target_nps:+d} on the agent question by {self.due_on:%-d %b %Y}".replace("-", "−", 1)
        return f"at most {self.target_share} % of comments about {self.theme_key} by {self.due_on:%-d %b %Y}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Kudos(models.Model):
    """A promoter's comment a supervisor sent to the agent it was about (once per answer)."""

    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="kudos")
    response = models.OneToOneField("surveys.Response", on_delete=models.CASCADE, related_name="kudos")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField()
    message = models.CharField(max_length=KUDOS_MESSAGE_MAX_CHARS, blank=True)

    class Meta:
        verbose_name_plural = "kudos"
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["agent", "-sent_at"], name="kudos_agent_sent_idx")]

    def __str__(self) -> str:
        return f"Kudos to {self.agent} at {self.sent_at:%Y-%m-%d}"
