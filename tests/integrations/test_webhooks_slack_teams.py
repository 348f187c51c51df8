"""Slack and Microsoft Teams incoming webhooks get messages those tools render: a detractor
alert with the scores, the why and a link to the case; other events as one line."""

import json

import pytest

from integrations.models import WebhookDelivery
from integrations.webhooks import delivery, events, services, targets

pytestmark = pytest.mark.django_db

CASE_OPENED = events.envelope(
    "case.opened",
    {
        "id": 42,
        "status": "open",
        "department": "billing",
        "due_at": "2026-12-04T10:00:00Z",
        "url": "https://nps.example.com/dashboard/cases/42/",
        "response": {
            "id": 7,
            "agent": "a-017",
            "agent_name": "Budi <Santoso>",
            "company_score": 2,
            "agent_score": 8,
            "why": "Waited 3 weeks & nobody called",
        },
    },
)
ALERT = events.envelope(
    "alert.fired",
    {
        "rule": "detractor",
        "subject": "Detractor answer in Billing",
        "text": "Company 2/10, agent 8/10. Waited 3 weeks",
        "url": "https://nps.example.com/dashboard/cases/42/",
        "case_id": 42,
    },
)


def deliver(target: str, payload: dict, receiver) -> dict:
    """Subscribe a receiver in this format, deliver the event, return the JSON it got."""
    services.subscribe(url=receiver.url, events_=[payload["type"]], target=target)
    (delivery_id,) = services.record_event(payload["type"], payload["data"])
    assert delivery.attempt(delivery_id).result == "delivered"
    assert WebhookDelivery.objects.get(pk=delivery_id).status == WebhookDelivery.Status.DELIVERED
    return json.loads(receiver.received[-1].body)


def mrkdwn_texts(message: dict) -> str:
    parts = []
    for block in message["blocks"]:
        if "text" in block:
            parts.append(block["text"]["text"])
        parts += [field["text"] for field in block.get("fields", [])]
    return "\n".join(parts)


# --- Slack --------------------------------------------------------------------------------------


def test_slack_gets_a_detractor_alert_with_a_mrkdwn_link_to_the_case(allow_private, receiver):
    message = deliver("slack", CASE_OPENED, receiver)

    assert set(message) == {"text", "blocks"}
    assert "https://nps.example.com/dashboard/cases/42/" in message["text"]  # the notification fallback
    assert all(block["type"] == "section" for block in message["blocks"])
    text = mrkdwn_texts(message)
    assert "<https://nps.example.com/dashboard/cases/42/|Open case 42>" in text
    assert "*Company score:* 2/10" in text and "*Agent score:* 8/10" in text
    assert "Waited 3 weeks &amp; nobody called" in text  # Slack's escaping
    assert "Budi &lt;Santoso&gt;" in text
    assert all(b["text"]["type"] == "mrkdwn" for b in message["blocks"] if "text" in b)


def test_slack_gets_the_alert_fired_message(allow_private, receiver):
    message = deliver("slack", ALERT, receiver)
    text = mrkdwn_texts(message)
    assert "*Detractor answer in Billing*" in text
    assert "> Company 2/10, agent 8/10. Waited 3 weeks" in text
    assert "<https://nps.example.com/dashboard/cases/42/|Open case 42>" in text


def test_slack_gets_other_events_as_one_short_line(allow_private, receiver):
    payload = events.envelope(
        "response.created",
        {"channel": "phone", "agent": "a-017", "department": "billing", "company_score": 9, "agent_score": 10},
    )
    message = deliver("slack", payload, receiver)
    assert message["text"].startswith("New answer from a phone customer of a-017 (billing)")
    assert len(message["blocks"]) == 1


# --- Teams ---------------------------------------------------------------------------------------


def test_teams_gets_an_adaptive_card_in_the_attachments_envelope(allow_private, receiver):
    message = deliver("teams", CASE_OPENED, receiver)

    assert message["type"] == "message"
    (attachment,) = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    title, facts, quote = card["body"]
    assert title["type"] == "TextBlock" and "case 42" in title["text"]
    assert {"title": "Company score", "value": "2/10"} in facts["facts"]
    assert quote["text"] == "Waited 3 weeks & nobody called"
    (action,) = card["actions"]
    assert action == {
        "type": "Action.OpenUrl",
        "title": "Open case 42",
        "url": "https://nps.example.com/dashboard/cases/42/",
    }


def test_teams_gets_case_resolved_as_a_short_card(allow_private, receiver):
    payload = events.envelope(
        "case.resolved",
        {"id": 42, "department": "billing", "status": "resolved", "outcome": "Refunded", "url": "https://x.test/42"},
    )
    card = deliver("teams", payload, receiver)["attachments"][0]["content"]
    (line,) = card["body"]
    assert line["text"] == "Follow-up case 42 (billing) closed as resolved: Refunded"
    assert card["actions"][0]["url"] == "https://x.test/42"


def test_the_standard_target_gets_the_payload_untouched():
    assert targets.body_for("standard", ALERT) == ALERT


def test_a_long_why_is_clipped_for_chat():
    long = dict(CASE_OPENED, data=dict(CASE_OPENED["data"], response={"why": "x" * 5000}))
    quote = targets.teams_message(long)["attachments"][0]["content"]["body"][-1]["text"]
    assert len(quote) == targets.WHY_MAX
