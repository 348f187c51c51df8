"""Redis (the broker) is down when an event happens: the customer is answered at once, the
deliveries wait as rows, and the periodic sweep sends them once the broker is back."""

import logging
import time

import pytest
from standardwebhooks import Webhook

from integrations.models import WebhookDelivery
from integrations.webhooks import services, tasks
from tests.factories import InvitationFactory
from tests.surveys.test_broker_down import FAST_ENOUGH, Broker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker(settings):
    broker = Broker(settings)
    broker.down()
    yield broker
    broker.back_up()


def test_deliveries_survive_a_broker_outage_and_the_sweep_sends_them(broker, client, allow_private, receiver, caplog):
    caplog.set_level(logging.WARNING, logger="nps_project.enqueue")
    subscriptions = [services.subscribe(url=f"{receiver.url}?n={n}", events_=["response.created"]) for n in range(3)]
    invitation = InvitationFactory()

    started = time.monotonic()
    answer = client.post(f"/s/{invitation.token}/", {"company_score": "9", "agent_score": "9", "why": "Great"})
    assert answer.status_code == 302
    assert time.monotonic() - started < FAST_ENOUGH

    assert WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).count() == 3
    assert caplog.text.count("Could not enqueue integrations.webhooks.tasks.deliver_webhook") == 1  # tried once
    assert receiver.received == []

    broker.back_up()
    assert tasks.sweep_webhook_deliveries.apply().get() == 3

    assert WebhookDelivery.objects.filter(status=WebhookDelivery.Status.DELIVERED).count() == 3
    by_query = {got.path.rsplit("=", 1)[1]: got for got in receiver.received}
    for n, subscription in enumerate(subscriptions):
        got = by_query[str(n)]
        assert Webhook(subscription.secret).verify(got.body, got.headers)["data"]["why"] == "Great"
