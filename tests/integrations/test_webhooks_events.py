"""Our events become webhook deliveries through the signals integrations listen to:
a customer's answer (response.created), a detractor's case opening and closing
(case.opened, case.resolved) and the supervisors' alert (alert.fired)."""

import itertools
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from followups import services as followups
from followups.models import FollowUpCase
from integrations.models import WebhookDelivery, WebhookSubscription
from integrations.webhooks import services
from surveys import services as survey_services
from tests.factories import AgentFactory, DepartmentFactory, InvitationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def billing(db):
    return DepartmentFactory(code="billing", name="Billing")


@pytest.fixture
def sam(billing):
    user = get_user_model().objects.create_user("sam", email="sam@example.com", password="pw-sam-123")
    billing.supervisors.add(user)
    return user


@pytest.fixture
def answer(django_capture_on_commit_callbacks, billing):
    """Answer a fresh invitation as the customer does; after-commit work (signals) runs."""

    numbers = itertools.count(8812)

    def submit(company: int, agent: int, *, why: str = "Nobody called me back"):
        invitation = InvitationFactory(
            interaction__agent=AgentFactory(external_id="a-017", name="Budi Santoso", department=billing),
            interaction__external_id=f"call-{next(numbers)}",
            interaction__source="zendesk",
            interaction__language="id",
            language="id",
        )
        with django_capture_on_commit_callbacks(execute=True):
            return survey_services.submit_response(
                invitation=invitation, company_score=company, agent_score=agent, why=why, language="id"
            )

    return submit


def subscribe(*events: str) -> None:
    services.subscribe(url="https://93.184.215.14/hooks", events_=list(events))


def payloads(event_type: str) -> list[dict]:
    return [d.payload for d in WebhookDelivery.objects.filter(event_type=event_type).order_by("pk")]


def test_an_answer_becomes_a_response_created_delivery_with_the_contract_fields(answer):
    subscribe("response.created")

    response = answer(9, 6, why="Fast, but the agent was curt")

    (payload,) = payloads("response.created")
    assert payload["type"] == "response.created"
    assert payload["timestamp"].endswith("Z")
    data = payload["data"]
    assert data["id"] == response.pk
    assert data["interaction"] == response.interaction.external_id and data["source"] == "zendesk"
    assert data["agent"] == "a-017" and data["department"] == "billing"
    assert (data["company_score"], data["agent_score"]) == (9, 6)
    assert (data["company_category"], data["agent_category"]) == ("promoter", "detractor")
    assert data["why"] == "Fast, but the agent was curt"
    assert data["language"] == "id"
    assert data["submitted_at"] and data["occurred_at"]
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.PENDING


def test_a_detractor_answer_opens_a_case_and_a_case_opened_delivery(answer):
    subscribe("case.opened", "case.resolved")

    response = answer(2, 8)

    case = FollowUpCase.objects.get(response=response)
    (payload,) = payloads("case.opened")
    data = payload["data"]
    assert data["id"] == case.pk and data["status"] == "open" and data["department"] == "billing"
    assert data["url"].endswith(f"/dashboard/cases/{case.pk}/")
    assert data["response"]["id"] == response.pk and data["response"]["company_score"] == 2
    assert payloads("case.resolved") == []


def test_resolving_the_case_sends_case_resolved_with_the_outcome(answer, sam, django_capture_on_commit_callbacks):
    subscribe("case.resolved")
    case = FollowUpCase.objects.get(response=answer(3, 3))

    with django_capture_on_commit_callbacks(execute=True):
        followups.change_status(case, status="resolved", by=sam, outcome="Refunded and apologised")

    (payload,) = payloads("case.resolved")
    assert payload["data"]["status"] == "resolved"
    assert payload["data"]["outcome"] == "Refunded and apologised"
    assert payload["data"]["closed_at"]


def test_the_supervisors_alert_fires_alert_fired(answer, sam, outbox):
    subscribe("alert.fired")

    response = answer(1, 4, why="Never again")

    assert len(outbox) == 1  # the email alert went out
    case = FollowUpCase.objects.get(response=response)
    (payload,) = payloads("alert.fired")
    data = payload["data"]
    assert data["rule"] == "detractor" and data["case_id"] == case.pk
    assert "Billing" in data["subject"]
    assert "Company 1/10, agent 4/10" in data["text"] and "Never again" in data["text"]
    assert data["url"].endswith(f"/dashboard/cases/{case.pk}/")


def test_no_alert_fired_when_no_alert_went_out(answer):
    subscribe("alert.fired")
    answer(1, 1)  # no supervisor: nobody was alerted
    assert payloads("alert.fired") == []


def test_with_no_subscriptions_an_answer_costs_the_webhooks_no_query(answer):
    from integrations.webhooks import receivers

    response = answer(9, 9)  # warms the cached "who subscribed" map
    with CaptureQueriesContext(connection) as queries:
        receivers.response_created(sender=None, response=response)
    assert len(queries) == 0
    assert not WebhookDelivery.objects.exists()


def test_with_subscriptions_an_answer_costs_one_read_and_one_insert(answer):
    from integrations.webhooks import receivers

    subscribe("response.created")
    subscribe("response.created")
    response = answer(9, 9)
    WebhookDelivery.objects.all().delete()
    services.subscribers()  # cached

    with CaptureQueriesContext(connection) as queries:
        receivers.response_created(sender=None, response=response)

    statements = [q["sql"].split()[0].upper() for q in queries]
    assert statements.count("INSERT") == 1 and statements.count("SELECT") == 1, statements
    assert WebhookDelivery.objects.count() == 2


def test_a_new_subscription_is_seen_by_the_next_event(answer):
    answer(9, 9)  # cached: nobody subscribed
    subscribe("response.created")
    answer(9, 9)
    assert len(payloads("response.created")) == 1


def test_a_subscription_made_in_another_process_is_seen_within_the_ttl(answer):
    answer(9, 9)  # this process read the subscriptions: none
    WebhookSubscription.objects.create(url="https://93.184.215.14/", events=["response.created"], secret="whsec_x")
    answer(9, 9)
    assert payloads("response.created") == []  # not yet: the map is a few seconds old at most

    services._subscribers["read_at"] -= services.SUBSCRIBERS_TTL
    answer(9, 9)
    assert len(payloads("response.created")) == 1


def test_a_hanging_receiver_never_holds_the_customers_answer(
    client, allow_private, receiver, django_capture_on_commit_callbacks
):
    receiver.delay = 10
    services.subscribe(url=receiver.url, events_=["response.created"])
    invitation = InvitationFactory()

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        reply = client.post(f"/s/{invitation.token}/", {"company_score": "8", "agent_score": "9", "why": ""})
    elapsed = time.monotonic() - started

    assert callbacks  # the after-commit work (listeners, tasks) ran inside the request

    assert reply.status_code == 302
    assert elapsed < 2, f"the answer took {elapsed:.1f} s"
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.PENDING
