"""/manage/integrations/webhooks/ for admins: create a webhook (the secret shown once),
see each one's recent deliveries, send a test event, replay a failed delivery, delete."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from standardwebhooks import Webhook

from integrations.models import WebhookDelivery, WebhookSubscription
from integrations.webhooks import delivery, services, tasks
from privacy.models import ChangeRecord
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/manage/integrations/webhooks/"
PUBLIC_URL = "https://93.184.215.14/hooks/nps"


@pytest.fixture
def admin_client(client):
    admin = UserFactory(username="olivia", is_staff=True)
    client.force_login(admin)
    client.user = admin
    return client


def test_only_admins_see_the_page(client):
    assert client.get(PAGE).status_code == 302  # to the login page
    client.force_login(UserFactory(username="sam"))
    assert client.get(PAGE).status_code == 403


def test_the_admin_area_links_to_the_page(admin_client):
    page = admin_client.get("/manage/surveys/").content.decode()
    assert f'href="{PAGE}"' in page


def test_creating_a_webhook_shows_its_secret_once_and_audits_it(admin_client):
    reply = admin_client.post(
        PAGE, {"url": PUBLIC_URL, "target": "slack", "events": ["case.opened", "alert.fired"], "description": "#cx"}
    )

    assert reply.status_code == 200
    subscription = WebhookSubscription.objects.get()
    assert (subscription.target, subscription.events) == ("slack", ["case.opened", "alert.fired"])
    page = reply.content.decode()
    assert subscription.secret in page and "shown only this once" in page
    assert subscription.secret not in admin_client.get(PAGE).content.decode()
    record = ChangeRecord.objects.get(action="webhook.created")
    assert record.actor == admin_client.user and record.target_id == str(subscription.pk)


@pytest.mark.parametrize(
    "form, message",
    [
        ({"url": "http://10.0.0.8/hook", "target": "standard", "events": ["case.opened"]}, "public addresses only"),
        ({"url": "http://localhost/hook", "target": "standard", "events": ["case.opened"]}, "public addresses only"),
        ({"url": PUBLIC_URL, "target": "standard"}, "Choose at least one event."),
        ({"url": PUBLIC_URL, "target": "standard", "events": ["case.deleted"]}, "not one of the available choices"),
        ({"url": "", "target": "standard", "events": ["case.opened"]}, "Enter the receiver"),
        ({"url": PUBLIC_URL, "target": "pager", "events": ["case.opened"]}, "not one of the available choices"),
    ],
)
def test_bad_input_is_a_400_page_with_the_reason_and_nothing_stored(admin_client, form, message):
    reply = admin_client.post(PAGE, form)

    assert reply.status_code == 400
    assert message in reply.content.decode()
    assert not WebhookSubscription.objects.exists()
    assert not ChangeRecord.objects.filter(action__startswith="webhook.").exists()


def test_the_page_lists_recent_deliveries_with_status_tries_and_error(admin_client, allow_private, closed_port_url):
    services.subscribe(url=closed_port_url, events_=["case.opened"])
    (delivery_id,) = services.record_event("case.opened", {"id": 5})
    delivery.attempt(delivery_id)

    page = admin_client.get(PAGE).content.decode()

    assert closed_port_url in page
    assert "case.opened" in page and "Pending" in page
    assert "Connection failed" in page
    assert ">1</td>" in page  # one try so far


def test_send_a_test_event_to_a_receiver(admin_client, allow_private, receiver):
    subscription = services.subscribe(url=receiver.url, events_=["case.opened"])

    reply = admin_client.post(f"{PAGE}{subscription.pk}/test/", follow=True)
    assert "Test event queued" in reply.content.decode()
    tasks.sweep_webhook_deliveries.apply()

    (got,) = receiver.received
    payload = Webhook(subscription.secret).verify(got.body, got.headers)
    assert payload["type"] == "webhook.test"
    assert payload["data"]["subscription"] == subscription.pk
    assert "Delivered" in admin_client.get(PAGE).content.decode()


def test_replay_a_failed_delivery(admin_client, allow_private, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver.statuses = [500, 200]
    services.subscribe(url=receiver.url, events_=["case.opened"])
    (delivery_id,) = services.record_event("case.opened", {"id": 5})
    delivery.attempt(delivery_id)
    assert "Failed" in admin_client.get(PAGE).content.decode()

    reply = admin_client.post(f"{PAGE}deliveries/{delivery_id}/replay/", follow=True)

    assert "queued again" in reply.content.decode()
    tasks.sweep_webhook_deliveries.apply()
    assert WebhookDelivery.objects.get(pk=delivery_id).status == WebhookDelivery.Status.DELIVERED
    assert ChangeRecord.objects.filter(action="webhook.replayed").count() == 1
    again = admin_client.post(f"{PAGE}deliveries/{delivery_id}/replay/", follow=True)
    assert "queued again" in again.content.decode()  # a delivered one may be sent again too


def test_replaying_a_pending_delivery_says_so(admin_client):
    services.subscribe(url=PUBLIC_URL, events_=["case.opened"])
    (delivery_id,) = services.record_event("case.opened", {"id": 5})
    reply = admin_client.post(f"{PAGE}deliveries/{delivery_id}/replay/", follow=True)
    assert "still being tried" in reply.content.decode()


def test_delete_a_webhook(admin_client):
    subscription = services.subscribe(url=PUBLIC_URL, events_=["case.opened"])

    reply = admin_client.post(f"{PAGE}{subscription.pk}/delete/", follow=True)

    assert "deleted" in reply.content.decode()
    assert not WebhookSubscription.objects.live().exists()
    assert "No webhooks yet" in admin_client.get(PAGE).content.decode()
    assert ChangeRecord.objects.get(action="webhook.deleted").actor == admin_client.user
    assert admin_client.post(f"{PAGE}{subscription.pk}/delete/").status_code == 404


def test_actions_need_post(admin_client):
    subscription = services.subscribe(url=PUBLIC_URL, events_=["case.opened"])
    assert admin_client.get(f"{PAGE}{subscription.pk}/delete/").status_code == 405
    assert admin_client.get(f"{PAGE}{subscription.pk}/test/").status_code == 405


def test_the_page_reads_deliveries_in_one_query_however_many_webhooks(admin_client):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(PAGE).status_code == 200
        return len(queries)

    services.subscribe(url=PUBLIC_URL, events_=["case.opened"])
    services.record_event("case.opened", {"id": 1})
    count()  # the session's first request also stamps its last-seen time (idle sign-out)
    one = count()
    for _ in range(5):
        services.subscribe(url=PUBLIC_URL, events_=["case.opened"])
    services.record_event("case.opened", {"id": 2})
    assert count() == one
