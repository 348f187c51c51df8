"""People and structure: departments and the agents who work in them."""

from django.conf import settings
from django.db import models


class Department(models.Model):
    code = models.SlugField(max_length=50, unique=True, help_text="Stable code used by integrations.")
    name = models.CharField(max_length=200)
    target_nps = models.SmallIntegerField(
        null=True, blank=True, help_text="NPS this department aims for (−100 to 100)."
    )
    supervisors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="supervised_departments",
        help_text="Users who supervise this department and see its dashboards and cases.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_nps__isnull=True) | models.Q(target_nps__gte=-100, target_nps__lte=100),
                name="department_target_nps_range",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    external_id = models.CharField(
        max_length=200, unique=True, help_text="The agent's id in the contact-center platform."
    )
    name = models.CharField(max_length=200, blank=True)
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agents",
        help_text="Current department. Past interactions keep the department they happened in.",
    )
    active = models.BooleanField(default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agent",
        help_text="Optional login for the agent's own page.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "external_id"]

    def __str__(self) -> str:
        return self.name or self.external_id

    @property
    def first_name(self) -> str:
        """What the survey calls the agent: the first word of the name."""
        return (self.name or "").split(" ")[0] or self.external_id


class AgentMove(models.Model):
    """An agent's move to another department from a given day (in the deployment's TIME_ZONE).

    Interactions keep the department they were recorded with; this history decides which
    department an interaction gets when it is recorded: the one the agent worked in on the
    day it happened. A move dated in the future takes effect on that day.
    """

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="moves")
    from_department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    to_department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateField(help_text="First day the agent works in the new department.")
    applied = models.BooleanField(
        default=False, help_text="Whether the agent's current department has been switched to the new one."
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["agent", "-effective_from", "-pk"]
        indexes = [models.Index(fields=["agent", "effective_from"], name="agentmove_agent_day_idx")]
        constraints = [
            models.UniqueConstraint(fields=["agent", "effective_from"], name="one_move_per_agent_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} → {self.to_department} from {self.effective_from:%Y-%m-%d}"
