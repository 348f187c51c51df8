"""With a real Celery worker on the Redis broker: repeated matching answers through the
survey page alert once per quiet period, and the worker delivers that one alert to Slack."""

import pytest
from django.contrib.auth import get_user_model

from followups import rules
from followups.models import AlertFiring, AlertQuietKey, AlertRule
from tests.conftest import wait_until
from tests.factories import AgentFactory, DepartmentFactory, InvitationFactory
from tests.followups.alert_helpers import WebhookReceiver

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def allow_private(monkeypatch, settings):
    """The worker subprocess reads the environment; this process reads settings."""
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "true")
    settings.WEBHOOK_ALLOW_PRIVATE = True


def test_a_rule_fires_once_per_quiet_period_under_repeated_answers(allow_private, celery_worker_process, client):
    billing = DepartmentFactory(code="billing", name="Billing")
    billing.supervisors.add(get_user_model().objects.create_user("sam", email="sam@example.com"))
    agent = AgentFactory(department=billing)
    with WebhookReceiver() as slack:
        rule = AlertRule.objects.create(
            name="Angry customers",
            conditions={"score_max": 3, "question": "either"},
            channels=["slack", "inapp"],
            slack_url=slack.url,
            quiet_minutes=60,
        )
        rules.forget_cached_rules()
        for n in range(4):
            invitation = InvitationFactory(interaction__agent=agent)
            reply = client.post(f"/s/{invitation.token}/", {"company_score": "1", "agent_score": "2", "why": f"No {n}"})
            assert reply.status_code == 302

        firing = wait_until(
            lambda: AlertFiring.objects.filter(rule=rule, channel_results__slack__ok=True).first(), timeout=30
        )
        assert len(slack.posts) == 1
        assert "No 0" in slack.posts[0]["body"]["text"]
    assert AlertFiring.objects.filter(rule=rule).count() == 1
    assert AlertQuietKey.objects.get(rule=rule).held_back == 3
    assert firing.channel_results["inapp"]["ok"] is True
    assert "followups.tasks.deliver_alert" in celery_worker_process.log_text()
