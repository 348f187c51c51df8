"""API input validation and output shapes for interactions (the contract in DESIGN.md)."""

import re
from datetime import UTC, timedelta

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from surveys import tokens
from surveys.models import Channel, DeliveryMethod, Interaction, Invitation
from surveys.services import InteractionInput, survey_url, survey_url_of
from surveys.validators import FreeTextSerializer

PHONE_RE = re.compile(r"^\+?[0-9 ().-]{6,32}$")
LANGUAGE_RE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")
# The same rules as patterns for the schema (an empty value is allowed there too).
PHONE_PATTERN = RegexValidator(
    r"^(\+?[0-9 ().-]{6,32})?$", "Enter a phone number in international format, e.g. +62 812 3456 7890."
)
LANGUAGE_PATTERN = RegexValidator(
    r"^([A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*)?$", "Use a language tag such as 'en', 'id' or 'es-MX'."
)
MAX_FUTURE = timedelta(days=1)
MAX_SECONDS = 7 * 24 * 3600


class StrictDateTimeField(serializers.DateTimeField):
    """ISO 8601 with a UTC offset; not more than a day in the future."""

    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid", format="ISO 8601 with offset, e.g. 2026-11-20T14:05:00+07:00")
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            self.fail("invalid", format="ISO 8601 with offset, e.g. 2026-11-20T14:05:00+07:00")
        if parsed.tzinfo is None:
            raise serializers.ValidationError("Include a UTC offset, e.g. 2026-11-20T14:05:00+07:00.")
        if parsed > timezone.now() + MAX_FUTURE:
            raise serializers.ValidationError("occurred_at is in the future.")
        if parsed.year < 2000:
            raise serializers.ValidationError("occurred_at is implausibly old.")
        return parsed


class CustomerSerializer(FreeTextSerializer, serializers.Serializer):
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32, validators=[PHONE_PATTERN])
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    # Interaction.language holds 10 characters ("zh-Hant-TW"); a longer tag would fail at the database.
    language = serializers.CharField(required=False, allow_blank=True, max_length=10, validators=[LANGUAGE_PATTERN])

    def validate_email(self, value: str) -> str:
        return value.strip().lower()

    def validate_phone(self, value: str) -> str:
        if not value:
            return ""
        if not PHONE_RE.match(value):
            raise serializers.ValidationError("Enter a phone number in international format, e.g. +62 812 3456 7890.")
        digits = re.sub(r"\D", "", value)
        if not 6 <= len(digits) <= 15:
            raise serializers.ValidationError("A phone number has 6 to 15 digits.")
        return "+" + digits

    def validate_language(self, value: str) -> str:
        if value and not LANGUAGE_RE.match(value):
            raise serializers.ValidationError("Use a language tag such as 'en', 'id' or 'es-MX'.")
        return value


class DeliverySerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=DeliveryMethod.choices, required=False)
    delay_minutes = serializers.IntegerField(required=False, min_value=0, max_value=7 * 24 * 60)


class StrictCharField(serializers.CharField):
    """A JSON string only: DRF's CharField would turn 0 or true into "0" or "True"."""

    default_error_messages = {"not_a_string": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class InteractionInSerializer(FreeTextSerializer, serializers.Serializer):
    external_id = serializers.CharField(max_length=200, min_length=1)
    source = serializers.CharField(max_length=100, required=False, default="api")
    channel = serializers.ChoiceField(choices=Channel.choices)
    agent = serializers.CharField(max_length=200, min_length=1, help_text="The agent's external id.")
    agent_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    department = serializers.SlugField(max_length=50, required=False, allow_blank=True)
    occurred_at = StrictDateTimeField(required=False)
    customer = CustomerSerializer(required=False)
    delivery = DeliverySerializer(required=False)
    handle_seconds = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=MAX_SECONDS)
    wait_seconds = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=MAX_SECONDS)
    transfers = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=100)
    resolved = serializers.BooleanField(required=False, allow_null=True)
    tags = serializers.ListField(child=StrictCharField(max_length=50), required=False, max_length=20, allow_empty=True)
    invite = serializers.BooleanField(
        required=False,
        default=True,
        help_text="false: record the interaction for coverage and drivers without inviting anyone "
        "(suppressed_reason not_requested).",
    )

    def validate(self, attrs: dict) -> dict:
        customer = attrs.get("customer") or {}
        method = (attrs.get("delivery") or {}).get("method")
        if method == DeliveryMethod.EMAIL and not customer.get("email"):
            raise serializers.ValidationError({"delivery": ["Delivery by email needs customer.email."]})
        if method == DeliveryMethod.SMS and not customer.get("phone"):
            raise serializers.ValidationError({"delivery": ["Delivery by SMS needs customer.phone."]})
        return attrs

    def to_input(self) -> InteractionInput:
        return input_from(self.validated_data)


def validated_inputs(payloads: list) -> list[tuple[InteractionInput | None, dict | None]]:
    """(input, None) or (None, field errors) per payload.

    Each item is first read by the quick path (surveys/ingest_input.py), which accepts only
    what this serializer accepts, with the same result; whatever it is unsure of, every
    invalid item among them, is validated by the serializer, so the errors are its own. One
    serializer for them all: DRF copies a serializer's fields for every instance."""
    from surveys.ingest_input import quick_input  # it imports this module

    now = timezone.now()
    serializer = None
    checked = []
    for payload in payloads:
        quick = quick_input(payload, now)
        if quick is not None:
            checked.append((quick, None))
            continue
        if not isinstance(payload, dict):
            checked.append((None, {"non_field_errors": ["Expected a JSON object."]}))
            continue
        serializer = serializer or InteractionInSerializer()
        try:
            checked.append((input_from(serializer.run_validation(payload)), None))
        except serializers.ValidationError as exc:
            checked.append((None, exc.detail))
    return checked


def input_from(data: dict) -> InteractionInput:
    """The service's input from a validated interaction."""
    customer = data.get("customer") or {}
    delivery = data.get("delivery") or {}
    return InteractionInput(
        external_id=data["external_id"],
        source=data.get("source") or "api",
        channel=data["channel"],
        agent=data["agent"],
        agent_name=data.get("agent_name", ""),
        department=data.get("department", ""),
        occurred_at=data.get("occurred_at"),
        customer_email=customer.get("email", ""),
        customer_phone=customer.get("phone", ""),
        customer_name=customer.get("name", ""),
        language=customer.get("language", ""),
        delivery_method=delivery.get("method", ""),
        delay_minutes=delivery.get("delay_minutes"),
        handle_seconds=data.get("handle_seconds"),
        wait_seconds=data.get("wait_seconds"),
        transfers=data.get("transfers"),
        resolved=data.get("resolved"),
        tags=[t.strip() for t in data.get("tags", []) if t.strip()],
        invite=data.get("invite", True),
    )


class InvitationOutSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField()
    status = serializers.CharField()

    def get_url(self, invitation: Invitation) -> str:
        return survey_url(invitation)


EXPIRES_AT = serializers.DateTimeField()


def interaction_body(interaction: Interaction) -> dict:
    """What the API answers for a recorded interaction (InteractionOutSerializer's shape)."""
    invitation = interaction.invitation
    return _body(
        interaction.pk,
        interaction.external_id,
        invitation.status,
        invitation.expires_at,
        invitation.suppressed_reason,
        invitation.token_nonce,
    )


def interaction_bodies(interaction_ids: list[int]) -> dict[int, dict]:
    """interaction_body for many interactions as stored now, by id, in one query (plain SQL)
    and without a model or serializer per item (a bulk answer holds a thousand): the link is the
    survey page's path with the token put in (one `reverse`), and the expiry, the same
    moment for most of a batch, is formatted once per moment."""
    if not interaction_ids:
        return {}
    placeholders = ", ".join(["%s"] * len(interaction_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT v.interaction_id, i.external_id, v.status, v.expires_at, v.suppressed_reason, v.token_nonce"  # noqa: S608
            " FROM surveys_invitation v JOIN surveys_interaction i ON i.id = v.interaction_id"
            f" WHERE v.interaction_id IN ({placeholders})",
            list(interaction_ids),
        )
        rows = cursor.fetchall()
    before, after = (settings.PUBLIC_BASE_URL + reverse("survey-page", args=[TOKEN_SLOT])).split(TOKEN_SLOT)
    moments: dict = {}
    bodies = {}
    for pk, external_id, status, expires_at, reason, nonce in rows:
        if status == Invitation.Status.SUPPRESSED:
            invitation = None
        else:
            if expires_at is not None and expires_at.tzinfo is None:  # SQLite's driver: UTC, without the zone
                expires_at = expires_at.replace(tzinfo=UTC)
            if expires_at not in moments:
                moments[expires_at] = EXPIRES_AT.to_representation(expires_at) if expires_at else None
            url = before + tokens.token_for(nonce) + after
            invitation = {"url": url, "expires_at": moments[expires_at], "status": status}
        reason = reason or None
        bodies[pk] = {"id": pk, "external_id": external_id, "invitation": invitation, "suppressed_reason": reason}
    return bodies


TOKEN_SLOT = "T" * 43  # a token's shape; url-safe base64 needs no quoting in a path


def _body(pk: int, external_id: str, status: str, expires_at, reason: str, nonce: str | None) -> dict:
    return {
        "id": pk,
        "external_id": external_id,
        "invitation": None
        if status == Invitation.Status.SUPPRESSED
        else {
            "url": survey_url_of(nonce),
            "expires_at": EXPIRES_AT.to_representation(expires_at) if expires_at else None,
            "status": status,
        },
        "suppressed_reason": reason or None,
    }


class InteractionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    invitation = serializers.SerializerMethodField()
    suppressed_reason = serializers.SerializerMethodField()

    @extend_schema_field(InvitationOutSerializer(allow_null=True))
    def get_invitation(self, interaction: Interaction) -> dict | None:
        invitation = interaction.invitation
        if invitation.status == Invitation.Status.SUPPRESSED:
            return None
        return InvitationOutSerializer(invitation).data

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_suppressed_reason(self, interaction: Interaction) -> str | None:
        return interaction.invitation.suppressed_reason or None

    def to_representation(self, instance: Interaction) -> dict:
        return interaction_body(instance)
