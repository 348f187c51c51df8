"""Sign-in configuration kept in the database: how single sign-on groups map to roles."""

from django.conf import settings
from django.db import models

from agents.models import Department


class GroupMapping(models.Model):
    """One value of the identity provider's groups claim and what it grants here.

    Roles are derived as everywhere else (agents/roles.py): admin is `is_staff`, supervisor
    is being among a department's supervisors. A user signing in through SSO gets the union
    of the mappings of all their groups, and loses what no group grants any more.
    """

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        SUPERVISOR = "supervisor", "Supervisor"
        AGENT = "agent", "Agent (own page only)"

    claim_value = models.CharField(
        max_length=200,
        unique=True,
        help_text="The group exactly as the provider sends it (a name, or an object id on Azure AD).",
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.SUPERVISOR)
    departments = models.ManyToManyField(
        Department,
        blank=True,
        related_name="+",
        help_text="Supervisors of this group see these departments.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim_value"]

    def __str__(self) -> str:
        return f"{self.claim_value} → {self.get_role_display()}"


class SsoIdentity(models.Model):
    """Which identity-provider subject a local user is (so a changed email still finds them)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identity")
    subject = models.CharField(max_length=255, unique=True, help_text="Issuer and the provider's `sub` claim.")
    last_sign_in = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.subject
