"""An agent sees their own rank and percentile among the agents with enough answers (the
fair ranking), on their own page, and never another agent's name."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics import buckets, champions
from tests.factories import AgentFactory
from tests.followups.coaching_helpers import answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked(settings, billing, claims, budi_with_login):
    settings.CHAMPION_MIN_RESPONSES = 10
    when = timezone.now() - timedelta(days=5)
    answer(budi_with_login, 12, 2, 1, when=when)
    others = [
        ("Best Agent", billing, (15, 0, 0)),
        ("Good Agent", claims, (10, 3, 2)),
        ("Weak Agent", claims, (3, 3, 9)),
        ("Thin Agent", billing, (2, 0, 0)),  # too few answers: not ranked
    ]
    for name, department, counts in others:
        answer(AgentFactory(name=name, department=department), *counts, when=when)
    buckets.rebuild()


def test_the_standing_counts_only_ranked_agents(ranked, budi_with_login):
    today = timezone.localdate()
    standing = champions.fair_ranking(since=today - timedelta(days=30), until=today).standing(budi_with_login.pk)
    assert (standing.rank, standing.of, standing.n) == (2, 4, 15)
    assert standing.ahead_of_percent == 67  # ahead of 2 of the 3 others


def test_the_agent_sees_rank_and_percentile_but_no_other_name(client, ranked, budi_with_login):
    client.force_login(budi_with_login.user)
    body = client.get(reverse("dashboard-me"), follow=True).content.decode()
    assert "2 of 4" in body and "ahead of 67 % of the 4 agents with 10+ answers" in body
    for name in ("Best Agent", "Good Agent", "Weak Agent", "Thin Agent"):
        assert name not in body


def test_an_agent_without_enough_answers_is_not_ranked(client, ranked, settings, budi_with_login):
    settings.CHAMPION_MIN_RESPONSES = 16
    client.force_login(budi_with_login.user)
    body = client.get(reverse("dashboard-me"), follow=True).content.decode()
    assert "Rank, agent question" not in body
    assert "15 of the 16 answers needed" in body
