"""Webhook subscriptions and their deliveries: every write goes through these functions.

Events become delivery rows in one INSERT, only for subscriptions that want the event
(which ones is kept in memory for a few seconds, so an event nobody subscribed to costs
no query), and their tasks are enqueued after commit. A broker that is down loses nothing: the rows stay pending
and the periodic sweep (sweep_due) hands them to a worker.
"""

import base64
import logging
import secrets
import time
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from integrations.models import TEST_EVENT, WebhookDelivery, WebhookSubscription
from integrations.webhooks import events, ssrf
from nps_project.enqueue import enqueue
from privacy import audit
from surveys.models import ApiToken

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status
SUBSCRIBERS_TTL = 10.0
_subscribers: dict[str, Any] = {"mapping": None, "read_at": 0.0}
SECRET_BYTES = 32
MAX_EVENTS = len(events.EVENT_TYPES)
DESCRIPTION_MAX = 200
# A pending delivery whose task has not run this long after it was due is taken as lost.
LOST_TASK_GRACE = timedelta(minutes=1)
SWEEP_BATCH = 500
# Finished deliveries (their payloads copy why-texts) are kept this long, for the log and replays.
KEEP_FINISHED = timedelta(days=30)
PRUNE_BATCH = 5000


class SubscriptionInvalid(Exception):
    """Bad subscription input; `errors` maps field names to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


class _TokenRequest:
    """What the audit log reads of a request made with an API token: its address, and no
    user (the log's actor is a person; the token is named in the details instead)."""

    user = None

    def __init__(self, request: HttpRequest | None):
        self.META = getattr(request, "META", {})


def _audit(action: str, subscription: WebhookSubscription, request: Any, details: dict[str, Any]) -> None:
    token = getattr(request, "auth", None)
    if isinstance(token, ApiToken):
        request, details = _TokenRequest(request), {**details, "token": token.name}
    audit.record(action, target=subscription, request=request, details=details)


# --- Subscriptions ---------------------------------------------------------------------------------


def validate(*, url: Any, events_: Any, target: Any = WebhookSubscription.Target.STANDARD) -> dict[str, Any]:
    """Clean subscription input, resolving the URL's host; SubscriptionInvalid lists what is wrong."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    try:
        ssrf.check(url)
        cleaned["url"] = url.strip()
    except ssrf.UnsafeUrl as exc:
        errors["url"] = str(exc)
    if not isinstance(events_, list | tuple) or not events_:
        errors["events"] = f"Choose at least one event: {', '.join(events.EVENT_TYPES)}."
    else:
        unknown = [str(e) for e in events_ if not isinstance(e, str) or e not in events.EVENT_TYPES]
        if unknown:
            errors["events"] = f"Unknown event {unknown[0]!r}; the events are {', '.join(events.EVENT_TYPES)}."
        else:
            cleaned["events"] = [e for e in events.EVENT_TYPES if e in events_]
    if target not in WebhookSubscription.Target.values:
        errors["target"] = f"Unknown target {target!r}; choose {', '.join(WebhookSubscription.Target.values)}."
    else:
        cleaned["target"] = target
    if errors:
        raise SubscriptionInvalid(errors)
    return cleaned


def subscribe(
    *,
    url: str,
    events_: list[str],
    target: str = WebhookSubscription.Target.STANDARD,
    description: str = "",
    request: HttpRequest | None = None,
) -> WebhookSubscription:
    """Store a subscription with a new secret, and its audit entry, in one transaction."""
    cleaned = validate(url=url, events_=events_, target=target)
    token = getattr(request, "auth", None)
    token = token if isinstance(token, ApiToken) else None
    user = getattr(request, "user", None) if token is None else None
    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(
            **cleaned,
            description=(description or "").strip()[:DESCRIPTION_MAX],
            secret=new_secret(),
            created_by=user if user is not None and user.is_authenticated else None,
            created_by_token=token,
        )
        _audit(
            "webhook.created",
            subscription,
            request,
            {"url": subscription.url, "events": subscription.events, "target": subscription.target},
        )
        transaction.on_commit(forget_subscribers)
    forget_subscribers()
    return subscription


def unsubscribe(subscription: WebhookSubscription, *, request: HttpRequest | None = None) -> None:
    """Delete (hide) the subscription; its pending deliveries are cancelled, its log kept."""
    with transaction.atomic():
        now = timezone.now()
        # The secret goes too: nothing is signed for a deleted subscription again.
        updated = WebhookSubscription.objects.live().filter(pk=subscription.pk).update(deleted_at=now, secret="")
        if not updated:
            return
        WebhookDelivery.objects.filter(subscription=subscription, status=Status.PENDING).update(
            status=Status.CANCELLED, next_attempt_at=None, last_error="The subscription was deleted."
        )
        _audit("webhook.deleted", subscription, request, {"url": subscription.url})
        transaction.on_commit(forget_subscribers)
    forget_subscribers()


def forget_subscribers() -> None:
    """Read the subscriptions afresh at the next event (this process; others within the TTL)."""
    _subscribers.update(mapping=None, read_at=0.0)


def subscribers() -> dict[str, list[int]]:
    """Live subscription ids per event type, kept in this process for SUBSCRIBERS_TTL seconds.

    In process memory on purpose: the check runs for every answer, and a cache on Redis
    would make every answer wait for Redis's timeouts when it is down. Another process
    sees a new subscription within the TTL; one deleted meanwhile gets rows that are
    cancelled, never sent (delivery.attempt checks the subscription).
    """
    now = time.monotonic()
    mapping = _subscribers["mapping"]
    if mapping is not None and now - _subscribers["read_at"] < SUBSCRIBERS_TTL:
        return mapping
    mapping = {}
    for pk, wanted in WebhookSubscription.objects.live().values_list("pk", "events"):
        for event_type in wanted or ():
            mapping.setdefault(event_type, []).append(pk)
    _subscribers.update(mapping=mapping, read_at=now)
    return mapping


def has_subscribers(event_type: str) -> bool:
    return bool(subscribers().get(event_type))


# --- Deliveries ------------------------------------------------------------------------------------


def record_event(event_type: str, data: dict[str, Any], *, at: datetime | None = None) -> list[int]:
    """Queue the event for every subscription that wants it: one INSERT, tasks after commit."""
    subscription_ids = subscribers().get(event_type)
    if not subscription_ids:
        return []
    try:
        ids = _insert(subscription_ids, event_type, data, at=at)
    except IntegrityError:  # a cached id from before the database was reset: read afresh
        forget_subscribers()
        subscription_ids = subscribers().get(event_type)
        if not subscription_ids:
            return []
        ids = _insert(subscription_ids, event_type, data, at=at)
    enqueue_deliveries(ids)
    return ids


def _insert(
    subscription_ids: Iterable[int], event_type: str, data: dict[str, Any], *, at: datetime | None
) -> list[int]:
    now = timezone.now()
    payload = events.envelope(event_type, data, at=at or now)
    message_id = new_message_id()
    with transaction.atomic():
        rows = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    subscription_id=pk,
                    message_id=message_id,
                    event_type=event_type,
                    payload=payload,
                    next_attempt_at=now,
                    created_at=now,
                )
                for pk in subscription_ids
            ]
        )
    return [row.pk for row in rows]


def enqueue_deliveries(delivery_ids: list[int]) -> None:
    """Hand the deliveries to a worker after commit. Without a broker (tasks would run in
    this very request) they are left to the sweep, so a slow receiver never holds a page."""
    if not delivery_ids or settings.CELERY_TASK_ALWAYS_EAGER:
        return
    from integrations.webhooks.tasks import deliver_webhook  # tasks import this module

    def send() -> None:
        for delivery_id in delivery_ids:
            if not enqueue(deliver_webhook, delivery_id):
                break  # the broker is down: one wait is enough, the sweep sends the rest

    transaction.on_commit(send, robust=True)


def send_test(subscription: WebhookSubscription, *, request: HttpRequest | None = None) -> WebhookDelivery:
    """Queue a webhook.test event to this one subscription."""
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        message_id=new_message_id(),
        event_type=TEST_EVENT,
        payload=events.envelope(TEST_EVENT, events.test_data(subscription.pk), at=now),
        next_attempt_at=now,
        created_at=now,
    )
    enqueue_deliveries([delivery.pk])
    return delivery


def replay(delivery: WebhookDelivery, *, request: HttpRequest | None = None) -> bool:
    """Send a failed (or cancelled, or delivered) delivery again: same message id and body,
    a fresh set of tries. False when it is still pending or its subscription is gone."""
    with transaction.atomic():
        now = timezone.now()
        updated = (
            WebhookDelivery.objects.filter(pk=delivery.pk, subscription__deleted_at__isnull=True)
            .exclude(status=Status.PENDING)
            .update(status=Status.PENDING, attempts=0, next_attempt_at=now, replayed_at=now)
        )
        if not updated:
            return False
        _audit(
            "webhook.replayed",
            delivery.subscription,
            request,
            {"delivery": delivery.pk, "message_id": delivery.message_id, "event": delivery.event_type},
        )
    enqueue_deliveries([delivery.pk])
    return True


def due_deliveries(*, now: datetime | None = None, grace: timedelta | None = None) -> list[int]:
    """Pending deliveries whose try is overdue by `grace` (their task was lost, or none was
    sent because the broker was down or absent)."""
    now = now or timezone.now()
    if grace is None:
        grace = timedelta(0) if settings.CELERY_TASK_ALWAYS_EAGER else LOST_TASK_GRACE
    return list(
        WebhookDelivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=now - grace)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


def prune_deliveries(*, now: datetime | None = None) -> int:
    """Delete deliveries that finished (delivered, failed, cancelled) over KEEP_FINISHED ago."""
    now = now or timezone.now()
    old = WebhookDelivery.objects.exclude(status=Status.PENDING).filter(created_at__lt=now - KEEP_FINISHED)
    deleted = 0
    while ids := list(old.values_list("pk", flat=True)[:PRUNE_BATCH]):
        deleted += WebhookDelivery.objects.filter(pk__in=ids).delete()[0]
    return deleted
