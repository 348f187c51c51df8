"""Connectors in: a contact-center platform posts its own events to a receiving URL; each
becomes an interaction. Events that cannot be mapped wait in the dead-letter list."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse

from agents.models import Department
from surveys.models import Channel, Interaction

URL_KEY_BYTES = 24


def new_url_key() -> str:
    """The unguessable part of a receiving URL (rotating it retires the old URL)."""
    return secrets.token_urlsafe(URL_KEY_BYTES)


class Connector(models.Model):
    class Platform(models.TextChoices):
        ZENDESK = "zendesk", "Zendesk"
        INTERCOM = "intercom", "Intercom"
        TWILIO = "twilio", "Twilio TaskRouter"

    name = models.CharField(max_length=100)
    platform = models.CharField(max_length=20, choices=Platform.choices)
    url_key = models.CharField(max_length=64, unique=True, default=new_url_key)
    # The platform issues it (Zendesk signing secret, Intercom client secret, Twilio auth
    # token); HMAC verification needs it in clear, so it is stored, never shown in full.
    signing_secret = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    default_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    invite = models.BooleanField(default=True)
    department_field = models.CharField(max_length=100, blank=True)
    fallback_agent = models.CharField(max_length=200, blank=True)
    language_field = models.CharField(max_length=100, blank=True)
    department_map = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_platform_display()})"

    @property
    def receiving_url(self) -> str:
        return settings.PUBLIC_BASE_URL + reverse("connector-receive", args=[self.url_key])

    @property
    def secret_hint(self) -> str:
        """Enough of the signing secret to tell which one is set, never the secret."""
        if not self.signing_secret:
            return ""
        return "…" + self.signing_secret[-4:] if len(self.signing_secret) >= 12 else "set"


class DeadLetter(models.Model):
    """A verified event that could not become an interaction, kept to replay or discard."""

    class Outcome(models.TextChoices):
        WAITING = "", "Waiting"
        STORED = "stored", "Stored"
        DUPLICATE = "duplicate", "Already stored"
        FAILED = "failed", "Replay failed"

    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="dead_letters")
    received_at = models.DateTimeField(db_index=True)
    headers = models.JSONField(default=dict, blank=True)
    content_type = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    error = models.TextField()
    replayed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    interaction = models.ForeignKey(Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"dead letter {self.pk} of {self.connector_id}"

    @property
    def waiting(self) -> bool:
        return self.outcome in (self.Outcome.WAITING, self.Outcome.FAILED)
