"""End to end: a customer answers, a real Celery worker on the Redis broker posts the
signed response.created to a local HTTP server, and the receiver verifies it with the
standardwebhooks library; a receiver that fails first is retried by the worker."""

import time

import pytest
from standardwebhooks import Webhook

from integrations.models import WebhookDelivery
from integrations.webhooks import services
from tests.conftest import wait_until
from tests.factories import AgentFactory, DepartmentFactory, InvitationFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(request, monkeypatch, allow_private):
    """The worker may post to 127.0.0.1 and retries after 1 s, 2 s, …"""
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "true")
    monkeypatch.setenv("WEBHOOK_RETRY_BASE_SECONDS", "1")
    monkeypatch.setenv("WEBHOOK_TIMEOUT_SECONDS", "2")
    return request.getfixturevalue("celery_worker_process")


def answer(client, *, company: str, agent: str, why: str):
    billing = DepartmentFactory(code="billing", name="Billing")
    invitation = InvitationFactory(
        interaction__agent=AgentFactory(external_id="a-017", department=billing),
        interaction__external_id="call-8812",
    )
    started = time.monotonic()
    reply = client.post(f"/s/{invitation.token}/", {"company_score": company, "agent_score": agent, "why": why})
    assert reply.status_code == 302
    return invitation, time.monotonic() - started


def test_a_worker_delivers_a_signed_response_created_the_receiver_verifies(worker, client, receiver):
    subscription = services.subscribe(url=receiver.url, events_=["response.created"])

    invitation, _ = answer(client, company="9", agent="10", why="Sorted in one call")

    wait_until(lambda: receiver.received, timeout=30)
    (got,) = receiver.received
    payload = Webhook(subscription.secret).verify(got.body, got.headers)
    assert payload["type"] == "response.created"
    data = payload["data"]
    assert data["id"] == invitation.response.pk
    assert data["interaction"] == "call-8812" and data["agent"] == "a-017" and data["department"] == "billing"
    assert (data["company_score"], data["agent_score"], data["why"]) == (9, 10, "Sorted in one call")
    delivery = wait_until(
        lambda: WebhookDelivery.objects.filter(status=WebhookDelivery.Status.DELIVERED).first(), timeout=10
    )
    assert delivery.attempts == 1 and delivery.last_status_code == 200


def test_the_worker_retries_a_failing_receiver_with_backoff_without_holding_the_answer(worker, client, receiver):
    receiver.statuses = [500, 503, 200]
    subscription = services.subscribe(url=receiver.url, events_=["response.created"])

    _, took = answer(client, company="3", agent="4", why="Too slow")

    assert took < 2
    delivery = wait_until(
        lambda: WebhookDelivery.objects.filter(status=WebhookDelivery.Status.DELIVERED).first(), timeout=40
    )
    assert delivery.attempts == 3
    assert len(receiver.received) == 3
    assert len({got.headers["webhook-id"] for got in receiver.received}) == 1
    for got in receiver.received:
        Webhook(subscription.secret).verify(got.body, got.headers)
    assert "Retry in" in worker.log_text()
