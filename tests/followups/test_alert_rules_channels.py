"""Each channel of an alert rule: email, in-app, Slack and Teams (against a local HTTP
server), retries of a failing webhook, and refusal of private addresses."""

import pytest

from followups import rules
from followups.models import AlertFiring, AlertRule
from tests.followups.alert_helpers import WebhookReceiver


@pytest.fixture(autouse=True)
def _fresh_rule_cache():
    rules.forget_cached_rules()
    yield
    rules.forget_cached_rules()


@pytest.fixture
def allow_private(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True


def low_rule(**fields) -> AlertRule:
    return AlertRule.objects.create(name="Low", conditions={"score_max": 6}, **fields)


def test_slack_gets_text_and_blocks(allow_private, answer):
    with WebhookReceiver() as slack:
        low_rule(channels=["slack"], slack_url=slack.url)
        answer(2, 3, why="Kept on hold for an hour")
    (post,) = slack.posts
    assert post["content_type"] == "application/json"
    body = post["body"]
    assert body["text"].startswith("Low: an answer matched\nBudi Santoso (Billing) got company 2, agent 3")
    assert body["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": "Low: an answer matched"}}
    assert "Kept on hold for an hour" in body["blocks"][1]["text"]["text"]
    assert "/dashboard/cases/" in body["blocks"][2]["elements"][0]["text"]
    assert AlertFiring.objects.get().channel_results["slack"] == {
        "ok": True,
        "detail": "HTTP 200",
        "retry": False,
        "tries": 1,
    }


def test_teams_gets_a_message_card(allow_private, answer):
    with WebhookReceiver() as teams:
        low_rule(channels=["teams"], teams_url=teams.url)
        response = answer(1, 1)
    card = teams.posts[0]["body"]
    assert card["@type"] == "MessageCard"
    assert card["title"] == "Low: an answer matched"
    assert "company 1, agent 1" in card["text"]
    target = card["potentialAction"][0]["targets"][0]["uri"]
    assert target.endswith(f"/dashboard/cases/{response.followup_case.pk}/")


def test_a_failing_webhook_is_retried_until_it_answers(allow_private, answer):
    with WebhookReceiver(statuses=[503, 500]) as slack:
        low_rule(channels=["slack", "inapp"], slack_url=slack.url)
        answer(2, 2)
    assert len(slack.posts) == 3
    results = AlertFiring.objects.get().channel_results
    assert results["slack"]["ok"] is True and results["slack"]["tries"] == 3
    assert results["inapp"]["ok"] is True and results["inapp"]["tries"] == 1  # not resent


def test_a_rejected_webhook_is_not_retried(allow_private, answer):
    with WebhookReceiver(statuses=[404]) as slack:
        low_rule(channels=["slack"], slack_url=slack.url)
        answer(2, 2)
    assert len(slack.posts) == 1
    assert AlertFiring.objects.get().channel_results["slack"] == {
        "ok": False,
        "detail": "HTTP 404",
        "retry": False,
        "tries": 1,
    }


def test_private_addresses_are_refused_by_default(answer):
    with WebhookReceiver() as slack:
        low_rule(channels=["slack"], slack_url=slack.url)
        answer(2, 2)
    assert slack.posts == []
    result = AlertFiring.objects.get().channel_results["slack"]
    assert result["ok"] is False and "private or local address" in result["detail"]


def test_email_goes_to_the_chosen_users_or_the_supervisors(answer, sam, boss, mailoutbox):
    low_rule(channels=["email"])
    answer(2, 2, why="Rude")
    alert = [m for m in mailoutbox if m.subject == "Low: an answer matched"]
    assert [m.to for m in alert] == [["sam@example.com"]]  # Billing's supervisor
    assert "Rude" in alert[0].body

    AlertRule.objects.all().delete()
    chosen = low_rule(channels=["email"])
    chosen.email_to.add(boss)
    rules.forget_cached_rules()
    answer(2, 2)
    assert [m.to for m in mailoutbox if m.subject == "Low: an answer matched"][-1] == ["boss@example.com"]


def test_in_app_alerts_show_on_the_cases_page_of_their_department(answer, sam, claire, client):
    low_rule(channels=["inapp"])
    answer(2, 2)
    client.force_login(sam)
    page = client.get("/dashboard/cases/").content.decode()
    assert "Alerts from your rules" in page and "Low: an answer matched" in page
    client.force_login(claire)  # Claims' supervisor: not her department
    assert "Low: an answer matched" not in client.get("/dashboard/cases/").content.decode()
