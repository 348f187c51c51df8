"""The sampling policy decides whether to invite, and the API says why not.

Fatigue: a customer (same email OR same phone) is not invited again within `fatigue_days`.
Sample target: once an agent has `agent_monthly_target` answers in a calendar month, that
agent's further interactions of that month are not surveyed. Channels can be switched off,
and an inactive survey invites no one.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from surveys.delivery import sms
from surveys.models import Invitation, Response
from tests.factories import SurveyFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/interactions/"
BASE = "http://127.0.0.1:8000"
_ids = iter(range(1, 1_000_000))


@pytest.fixture
def survey():
    # These rules are about history (30 days, last month): no age limit on inviting here;
    # tests/surveys/test_backfill.py covers max_invite_age_hours.
    return SurveyFactory(max_invite_age_hours=0)


@pytest.fixture
def report(api, django_capture_on_commit_callbacks):
    """Post one interaction (deliveries run) and return the API's JSON answer."""

    def report(*, occurred_at=None, channel="phone", agent="a-1", **fields) -> dict:
        body = {"external_id": f"call-{next(_ids)}", "channel": channel, "agent": agent, **fields}
        if occurred_at is not None:
            body["occurred_at"] = occurred_at.isoformat()
        with django_capture_on_commit_callbacks(execute=True):
            reply = api.post(URL, body, format="json")
        assert reply.status_code == 201, reply.content
        return reply.json()

    return report


@pytest.fixture
def answer(client):
    def answer(reported: dict) -> None:
        path = reported["invitation"]["url"].removeprefix(BASE)
        assert client.post(path, {"company_score": "9", "agent_score": "9"}).status_code == 302

    return answer


def assert_suppressed(reported: dict, reason: str) -> None:
    assert reported["invitation"] is None
    assert reported["suppressed_reason"] == reason
    stored = Invitation.objects.get(interaction_id=reported["id"])
    assert (stored.status, stored.suppressed_reason, stored.token_hash) == ("suppressed", reason, None)


def assert_invited(reported: dict) -> None:
    assert reported["suppressed_reason"] is None
    assert reported["invitation"]["url"].startswith(f"{BASE}/s/")


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


# --- Customer fatigue ---------------------------------------------------------------------


def test_the_same_email_is_not_invited_twice_within_30_days(survey, report):
    first = report(customer={"email": "sari@example.com"}, occurred_at=days_ago(29))
    second = report(customer={"email": "Sari@Example.com"})

    assert_invited(first)
    assert_suppressed(second, "fatigue")
    assert len(mail.outbox) == 1, "only the first customer contact gets an email"


def test_the_same_phone_is_not_invited_twice_within_30_days(survey, report):
    first = report(customer={"phone": "+62 812 3456 7890"}, occurred_at=days_ago(10))
    second = report(customer={"phone": "+62-812-3456-7890"})

    assert_invited(first)
    assert_suppressed(second, "fatigue")
    assert len(sms.outbox) == 1


def test_email_or_phone_is_enough_to_recognise_the_customer(survey, report):
    report(customer={"email": "sari@example.com", "phone": "+6281234567890"}, occurred_at=days_ago(5))

    by_phone = report(customer={"email": "sari.new@example.com", "phone": "+6281234567890"})
    by_email = report(customer={"email": "sari@example.com", "phone": "+6289999999999"})

    assert_suppressed(by_phone, "fatigue")
    assert_suppressed(by_email, "fatigue")


def test_outside_the_window_the_customer_is_invited_again(survey, report):
    report(customer={"email": "sari@example.com"}, occurred_at=days_ago(31))
    report(customer={"phone": "+6281234567890"}, occurred_at=days_ago(31))

    assert_invited(report(customer={"email": "sari@example.com"}))
    assert_invited(report(customer={"phone": "+6281234567890"}))


def test_a_suppressed_contact_does_not_extend_the_window(survey, report):
    report(customer={"email": "sari@example.com"}, occurred_at=days_ago(40))
    suppressed = report(customer={"email": "sari@example.com"}, occurred_at=days_ago(20))

    assert_suppressed(suppressed, "fatigue")
    assert_invited(report(customer={"email": "sari@example.com"}))


def test_other_customers_are_not_affected(survey, report):
    report(customer={"email": "sari@example.com", "phone": "+6281234567890"})

    assert_invited(report(customer={"email": "budi@example.com", "phone": "+6281111111111"}))


def test_the_fatigue_window_is_configurable(survey, report):
    survey.fatigue_days = 7
    survey.save()
    report(customer={"email": "sari@example.com"}, occurred_at=days_ago(8))

    assert_invited(report(customer={"email": "sari@example.com"}))


def test_customers_without_contact_are_never_fatigued(survey, report):
    report()

    assert_invited(report())


# --- The agent's monthly sample -----------------------------------------------------------


def test_without_a_target_every_interaction_is_surveyed(survey, report, answer):
    for _ in range(5):
        answer(report())

    assert survey.agent_monthly_target == 0
    assert_invited(report())


def test_once_the_agents_sample_is_reached_that_month_is_not_surveyed_further(survey, report, answer):
    survey.agent_monthly_target = 2
    survey.save()
    answer(report())
    answer(report())

    reached = report()
    other_agent = report(agent="a-2")

    assert_suppressed(reached, "sample_reached")
    assert_invited(other_agent)


def test_the_sample_counts_answers_not_invitations(survey, report, answer):
    survey.agent_monthly_target = 2
    survey.save()
    answer(report())
    report()
    report()

    assert_invited(report())
    assert Response.objects.count() == 1


def test_next_month_the_agent_is_surveyed_again(survey, report, answer):
    survey.agent_monthly_target = 2
    survey.save()
    last_month = timezone.localtime().replace(day=1, hour=12) - timedelta(days=10)
    answer(report(occurred_at=last_month))
    answer(report(occurred_at=last_month + timedelta(days=1)))

    late_last_month = report(occurred_at=last_month + timedelta(days=2))
    this_month = report()

    assert_suppressed(late_last_month, "sample_reached")
    assert_invited(this_month)


# --- Channels and the survey switch -------------------------------------------------------


def test_a_disabled_channel_is_not_surveyed(survey, report):
    survey.invite_chat = False
    survey.save()

    chat = report(channel="chat", customer={"email": "sari@example.com"})
    call = report(channel="phone", customer={"email": "budi@example.com"})

    assert_suppressed(chat, "channel_disabled")
    assert_invited(call)
    assert [m.to for m in mail.outbox] == [["budi@example.com"]]


@pytest.mark.parametrize("channel", ["phone", "chat", "email", "sms"])
def test_an_inactive_survey_invites_no_one(survey, report, channel):
    survey.active = False
    survey.save()

    assert_suppressed(report(channel=channel, customer={"email": "sari@example.com"}), "survey_inactive")
    assert mail.outbox == []
