"""Connectors in, the writes: receive a platform's event, replay or discard a dead letter,
and the admins' changes to connectors (each audited in the same transaction).

Receiving is idempotent through `record_interaction` (unique on source + external_id): a
platform that retries, or an admin who replays twice, stores one interaction.
"""

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from integrations.connectors import PLATFORMS, Ignored, Options, Platform, Received, Unmappable
from integrations.models_connectors import Connector, DeadLetter, new_url_key
from privacy import audit
from surveys.services import record_interaction

logger = logging.getLogger(__name__)

KEPT_HEADERS = ("content-type", "user-agent", "x-zendesk-webhook-id", "x-zendesk-webhook-invocation-id")
MAX_ERROR = 1000


@dataclass(frozen=True)
class Outcome:
    status: str  # stored | duplicate | ignored | unauthorized | dead_letter
    reason: str = ""
    interaction_id: int | None = None
    dead_letter_id: int | None = None


def platform_for(connector: Connector) -> Platform:
    options = Options(
        default_department=connector.default_department.code if connector.default_department_id else "",
        channel=connector.channel,
        invite=connector.invite,
        department_field=connector.department_field.strip(),
        fallback_agent=connector.fallback_agent.strip(),
        language_field=connector.language_field.strip(),
        department_map=dict(connector.department_map or {}),
    )
    return PLATFORMS[connector.platform](secret=connector.signing_secret, options=options)


def kept_headers(platform: Platform, headers: dict[str, str]) -> dict[str, str]:
    names = set(KEPT_HEADERS) | set(platform.signature_headers)
    return {name: value[:500] for name, value in headers.items() if name in names}


def receive(connector: Connector, received: Received) -> Outcome:
    """Verify the event, then store the interaction it reports, ignore it, or keep it as a dead letter."""
    platform = platform_for(connector)
    if not platform.verify(received):
        logger.warning(
            "connector %s (%s): signature check failed, event from %s refused",
            connector.pk,
            connector.platform,
            received.remote_addr or "unknown",
        )
        return Outcome("unauthorized", "The signature does not match this connector's secret.")
    Connector.objects.filter(pk=connector.pk).update(last_received_at=received.received_at)
    try:
        data = platform.parse(received)
    except Ignored as why:
        return Outcome("ignored", str(why))
    except Unmappable as why:
        letter = DeadLetter.objects.create(
            connector=connector,
            received_at=received.received_at,
            headers=kept_headers(platform, received.headers),
            content_type=received.content_type[:200],
            # PostgreSQL text holds no NUL: keep the rest of the body readable and replayable.
            body=received.body.decode("utf-8", errors="replace").replace("\x00", "\ufffd"),
            error=str(why).replace("\x00", "")[:MAX_ERROR],
        )
        logger.info("connector %s (%s): dead letter %s: %s", connector.pk, connector.platform, letter.pk, why)
        return Outcome("dead_letter", str(why), dead_letter_id=letter.pk)
    recorded = record_interaction(data)
    return Outcome("stored" if recorded.created else "duplicate", interaction_id=recorded.interaction.pk)


def replay(letter: DeadLetter) -> Outcome:
    """Map a dead letter again with the connector's current settings; store it if it maps now."""
    connector = letter.connector
    received = Received(
        body=letter.body.encode("utf-8"),
        headers=dict(letter.headers or {}),
        content_type=letter.content_type,
        url=connector.receiving_url,
        received_at=letter.received_at,
    )
    now = timezone.now()
    try:
        data = platform_for(connector).parse(received)
    except (Ignored, Unmappable) as why:
        reason = str(why) if isinstance(why, Unmappable) else f"Ignored: {why}"
        DeadLetter.objects.filter(pk=letter.pk).update(
            replayed_at=now, outcome=DeadLetter.Outcome.FAILED, error=reason[:MAX_ERROR]
        )
        return Outcome("dead_letter", reason, dead_letter_id=letter.pk)
    recorded = record_interaction(data)
    outcome = DeadLetter.Outcome.STORED if recorded.created else DeadLetter.Outcome.DUPLICATE
    DeadLetter.objects.filter(pk=letter.pk).update(replayed_at=now, outcome=outcome, interaction=recorded.interaction)
    return Outcome(outcome.value, interaction_id=recorded.interaction.pk, dead_letter_id=letter.pk)


def discard(letter: DeadLetter) -> None:
    """Forget a dead letter (its raw body holds customer data: nothing of it is kept)."""
    letter.delete()


# --- Admins' changes -------------------------------------------------------------------


def create_connector(*, request: HttpRequest, **fields: Any) -> Connector:
    with transaction.atomic():
        connector = Connector.objects.create(created_by=request.user, **fields)
        audit.record("connector.created", target=connector, request=request, details=_public(fields))
    return connector


def update_connector(connector: Connector, *, request: HttpRequest, changed: dict[str, Any]) -> Connector:
    with transaction.atomic():
        for name, value in changed.items():
            setattr(connector, name, value)
        connector.save()
        audit.record("connector.updated", target=connector, request=request, details=_public(changed))
    return connector


def replace_secret(connector: Connector, *, request: HttpRequest, secret: str) -> None:
    """The platform issued a new secret (or the first one): events are checked against it from now on."""
    with transaction.atomic():
        connector.signing_secret = secret
        connector.save(update_fields=["signing_secret", "updated_at"])
        details = {"rotated": "signing_secret"}
        audit.record("connector.secret_rotated", target=connector, request=request, details=details)


def rotate_url(connector: Connector, *, request: HttpRequest) -> None:
    """A new receiving URL; the old one answers 404 from now on."""
    with transaction.atomic():
        connector.url_key = new_url_key()
        connector.save(update_fields=["url_key", "updated_at"])
        details = {"rotated": "receiving_url"}
        audit.record("connector.secret_rotated", target=connector, request=request, details=details)


def delete_connector(connector: Connector, *, request: HttpRequest) -> None:
    with transaction.atomic():
        audit.record("connector.deleted", target=connector, request=request, details={"platform": connector.platform})
        connector.delete()


def _public(fields: dict[str, Any]) -> dict[str, Any]:
    """What changed, for the audit log: never the secret itself, departments by code."""
    details = {}
    for name, value in fields.items():
        if name in ("signing_secret", "url_key"):
            details[name] = "set" if value else "empty"
        elif hasattr(value, "code"):
            details[name] = value.code
        else:
            details[name] = value
    return details
