"""Kudos: a supervisor sends a promoter's comment to the agent, who sees it on their own page
and in their weekly digest; nobody else's page or digest shows it."""

from datetime import timedelta

import pytest
from django.urls import reverse

from analytics import digests
from analytics.buckets import day_start
from analytics.digest_content import agent_digest, last_complete_week
from analytics.models import WeeklyDigest
from followups.models import Kudos
from tests.factories import ResponseFactory

pytestmark = pytest.mark.django_db

WHY = "Budi stayed on the line until my card worked again"


@pytest.fixture
def sent(client, sam, budi_with_login, ani):
    response = ResponseFactory(invitation__interaction__agent=budi_with_login, agent_score=10, why=WHY)
    client.force_login(sam)
    page = client.get(reverse("dashboard-coaching-agent", args=[budi_with_login.pk]))
    assert WHY in page.content.decode()  # offered as a candidate
    answer = client.post(
        reverse("dashboard-coaching-kudos", args=[budi_with_login.pk]),
        {"response": response.pk, "message": "This is what great looks like"},
    )
    assert answer.status_code == 302
    client.logout()
    return Kudos.objects.get()


def test_the_agent_sees_the_kudos_on_their_own_page(client, sent, budi_with_login):
    client.force_login(budi_with_login.user)
    for url in (reverse("dashboard-me"), reverse("dashboard-agent", args=[budi_with_login.pk])):
        body = client.get(url, follow=True).content.decode()
        assert WHY in body and "This is what great looks like" in body and "sent by Sam" in body


def test_another_agent_never_sees_it(client, sent, ani):
    client.force_login(ani.user)
    assert WHY not in client.get(reverse("dashboard-me"), follow=True).content.decode()


def test_the_kudos_of_last_week_are_in_the_agents_digest(sent, budi_with_login, ani, mailoutbox):
    week = last_complete_week()
    Kudos.objects.update(sent_at=day_start(week.start + timedelta(days=2)) + timedelta(hours=9))  # last week

    assert [k["why"] for k in agent_digest(week, budi_with_login).kudos] == [WHY]
    assert agent_digest(week, ani).kudos == []
    assert agent_digest(week.previous, budi_with_login).kudos == []

    digest = WeeklyDigest.objects.create(recipient=budi_with_login.user, audience="agent", week=week.start)
    assert digests.send_digest(digest.pk) == "sent"
    (email,) = mailoutbox
    assert "Kudos from your supervisor" in email.body and WHY in email.body
    assert "This is what great looks like" in email.body
    html = email.alternatives[0][0]
    assert "Kudos from your supervisor" in html and WHY in html
