"""Delivering to a real HTTP receiver on 127.0.0.1: Standard Webhooks signatures the
receiver verifies with the standardwebhooks library, retries with exponential backoff,
final failure, and an admin's replay."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from integrations.models import WebhookDelivery
from integrations.webhooks import delivery, services, tasks

pytestmark = pytest.mark.django_db

Status = WebhookDelivery.Status


@pytest.fixture
def subscription(allow_private, receiver):
    return services.subscribe(url=receiver.url, events_=["response.created", "case.opened"])


def queue(event_type: str = "response.created", data: dict | None = None) -> int:
    (delivery_id,) = services.record_event(event_type, data or {"id": 7, "company_score": 3})
    return delivery_id


def row(delivery_id: int) -> WebhookDelivery:
    return WebhookDelivery.objects.get(pk=delivery_id)


def due_now(delivery_id: int) -> None:
    """Let the clock jump to the next try (the backoff delay itself is checked separately)."""
    WebhookDelivery.objects.filter(pk=delivery_id).update(next_attempt_at=timezone.now())


# --- Signed as the Standard Webhooks spec says ----------------------------------------------------


def test_the_receiver_verifies_the_signature_with_the_standardwebhooks_library(subscription, receiver):
    delivery_id = queue()

    assert delivery.attempt(delivery_id).result == "delivered"

    (got,) = receiver.received
    assert got.path == "/hooks/nps"
    assert got.headers["content-type"] == "application/json"
    assert got.headers["webhook-id"].startswith("msg_")
    payload = Webhook(subscription.secret).verify(got.body, got.headers)
    assert payload["type"] == "response.created"
    assert payload["data"] == {"id": 7, "company_score": 3}
    assert payload["timestamp"].endswith("Z")
    stored = row(delivery_id)
    assert stored.status == Status.DELIVERED and stored.attempts == 1 and stored.last_status_code == 200
    assert stored.delivered_at is not None and stored.next_attempt_at is None


def test_a_wrong_secret_or_a_changed_body_fails_verification(subscription, receiver):
    delivery.attempt(queue())
    (got,) = receiver.received

    with pytest.raises(WebhookVerificationError):
        Webhook(services.new_secret()).verify(got.body, got.headers)
    tampered = got.body.replace(b'"company_score":3', b'"company_score":9')
    assert tampered != got.body
    with pytest.raises(WebhookVerificationError):
        Webhook(subscription.secret).verify(tampered, got.headers)


def test_one_event_for_two_receivers_shares_the_message_id_but_not_the_signature(allow_private, receiver):
    first = services.subscribe(url=receiver.url, events_=["case.opened"])
    second = services.subscribe(url=receiver.url + "?second=1", events_=["case.opened"])
    for delivery_id in services.record_event("case.opened", {"id": 1}):
        delivery.attempt(delivery_id)

    a, b = receiver.received
    assert a.headers["webhook-id"] == b.headers["webhook-id"]
    assert a.headers["webhook-signature"] != b.headers["webhook-signature"]
    verified = {a.path: a, b.path: b}
    Webhook(first.secret).verify(verified["/hooks/nps"].body, verified["/hooks/nps"].headers)
    Webhook(second.secret).verify(verified["/hooks/nps?second=1"].body, verified["/hooks/nps?second=1"].headers)


def test_an_event_nobody_subscribed_to_stores_nothing(subscription):
    assert services.record_event("case.resolved", {"id": 1}) == []
    assert not WebhookDelivery.objects.exists()


# --- Retries with backoff, then failed -------------------------------------------------------------


def test_a_receiver_answering_500_is_retried_with_growing_delays_then_marked_failed(subscription, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 4
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    receiver.statuses = [500]
    delivery_id = queue()

    delays = []
    for _ in range(3):
        before = timezone.now()
        outcome = delivery.attempt(delivery_id)
        assert outcome.result == "retry"
        stored = row(delivery_id)
        assert stored.status == Status.PENDING and stored.last_status_code == 500
        assert "HTTP 500" in stored.last_error and "receiver says no" in stored.last_error
        delays.append(round((stored.next_attempt_at - before).total_seconds()))
        assert delivery.attempt(delivery_id).result == "skipped"  # not due yet: not sent again
        due_now(delivery_id)
    assert delays == [30, 60, 120]

    assert delivery.attempt(delivery_id).result == "failed"
    stored = row(delivery_id)
    assert stored.status == Status.FAILED and stored.attempts == 4 and stored.next_attempt_at is None
    assert len(receiver.received) == 4
    assert services.due_deliveries(now=timezone.now() + timedelta(days=1)) == []


def test_a_receiver_that_recovers_gets_the_same_message(subscription, receiver):
    receiver.statuses = [503, 200]
    delivery_id = queue()

    assert delivery.attempt(delivery_id).result == "retry"
    due_now(delivery_id)
    assert delivery.attempt(delivery_id).result == "delivered"

    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    Webhook(subscription.secret).verify(second.body, second.headers)
    assert row(delivery_id).attempts == 2


def test_a_receiver_that_hangs_times_out_quickly_and_is_retried(subscription, receiver, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1.0
    receiver.delay = 5
    delivery_id = queue()

    started = time.monotonic()
    outcome = delivery.attempt(delivery_id)
    elapsed = time.monotonic() - started

    assert elapsed < 3, f"a hanging receiver held the worker {elapsed:.1f} s"
    assert outcome.result == "retry"
    assert "No answer within 1 s" in row(delivery_id).last_error


def test_an_unreachable_receiver_is_retried_then_failed(allow_private, closed_port_url, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    services.subscribe(url=closed_port_url, events_=["case.opened"])
    delivery_id = queue("case.opened")

    started = time.monotonic()
    assert delivery.attempt(delivery_id).result == "retry"
    assert time.monotonic() - started < 3
    assert "Connection failed" in row(delivery_id).last_error
    due_now(delivery_id)
    assert delivery.attempt(delivery_id).result == "failed"
    assert row(delivery_id).status == Status.FAILED


def test_a_4xx_other_than_timeout_or_rate_limit_fails_at_once(subscription, receiver):
    receiver.statuses = [410]
    delivery_id = queue()
    assert delivery.attempt(delivery_id).result == "failed"
    assert row(delivery_id).attempts == 1


def test_a_429_is_retried(subscription, receiver):
    receiver.statuses = [429]
    assert delivery.attempt(queue()).result == "retry"


def test_the_celery_task_leaves_eager_retries_to_the_sweep(subscription, receiver):
    """Without a broker a retry must not run at once in the same thread."""
    receiver.statuses = [500]
    delivery_id = queue()

    result = tasks.deliver_webhook.apply(args=[delivery_id]).get()

    assert result == "retry"
    assert len(receiver.received) == 1
    assert row(delivery_id).status == Status.PENDING


# --- The sweep, cancelled deliveries, replay ------------------------------------------------------------


def test_the_sweep_delivers_what_was_never_handed_to_a_worker(subscription, receiver):
    delivery_id = queue()  # tasks are eager here: the receiver leaves the row to the sweep
    assert receiver.received == []

    assert tasks.sweep_webhook_deliveries.apply().get() == 1

    assert row(delivery_id).status == Status.DELIVERED
    assert len(receiver.received) == 1
    assert tasks.sweep_webhook_deliveries.apply().get() == 0


def test_a_delivery_being_tried_is_not_tried_again_by_a_second_worker(subscription, receiver):
    delivery_id = queue()
    assert delivery.claim(delivery_id, now=timezone.now()) is not None

    assert delivery.attempt(delivery_id).result == "skipped"
    assert receiver.received == []


def test_deleting_the_subscription_cancels_what_is_pending(subscription, receiver):
    delivery_id = queue()
    services.unsubscribe(subscription)

    assert delivery.attempt(delivery_id).result == "skipped"
    assert row(delivery_id).status == Status.CANCELLED
    assert receiver.received == []
    assert services.record_event("response.created", {"id": 8}) == []


def test_an_admin_replays_a_failed_delivery_with_the_same_message(subscription, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver.statuses = [500, 200]
    delivery_id = queue()
    assert delivery.attempt(delivery_id).result == "failed"

    assert services.replay(row(delivery_id)) is True
    assert services.replay(row(delivery_id)) is False  # already pending again
    assert tasks.sweep_webhook_deliveries.apply().get() == 1

    stored = row(delivery_id)
    assert stored.status == Status.DELIVERED and stored.replayed_at is not None
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert Webhook(subscription.secret).verify(second.body, second.headers)["data"]["id"] == 7


def test_a_redirect_is_not_followed(subscription, receiver):
    receiver.statuses = [302]
    delivery_id = queue()
    assert delivery.attempt(delivery_id).result == "failed"
    assert "redirects are not followed" in row(delivery_id).last_error


def test_finished_deliveries_are_pruned_after_30_days_pending_ones_never(subscription):
    old, pending, recent = queue(), queue(), queue()
    WebhookDelivery.objects.filter(pk__in=[old, recent]).update(status=Status.DELIVERED)
    WebhookDelivery.objects.filter(pk__in=[old, pending]).update(created_at=timezone.now() - timedelta(days=31))

    assert tasks.prune_webhook_deliveries.apply().get() == 1

    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {pending, recent}


def test_a_deleted_subscription_keeps_no_secret(subscription):
    services.unsubscribe(subscription)
    subscription.refresh_from_db()
    assert subscription.secret == "" and subscription.deleted_at is not None
