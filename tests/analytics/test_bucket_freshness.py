"""A stored answer reaches the buckets at every level, and a rebuild agrees with it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics import buckets
from analytics.models import NpsBucket
from surveys import services
from tests.factories import AgentFactory, InteractionFactory, InvitationFactory

pytestmark = pytest.mark.django_db


def answer(invitation, company: int, agent: int):
    return services.submit_response(
        invitation=invitation, company_score=company, agent_score=agent, why="", language="en"
    )


def snapshot() -> set[tuple]:
    return set(
        NpsBucket.objects.values_list(
            "scope",
            "day",
            "department_key",
            "agent_key",
            "channel",
            "company_promoters",
            "company_passives",
            "company_detractors",
            "agent_promoters",
            "agent_passives",
            "agent_detractors",
            "responses",
        )
    )


def test_answers_update_agent_department_and_company_buckets(django_capture_on_commit_callbacks):
    agent = AgentFactory()
    when = timezone.now() - timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        for company, agent_score in [(10, 9), (7, 3), (2, 10)]:
            interaction = InteractionFactory(agent=agent, occurred_at=when, channel="chat")
            answer(InvitationFactory(interaction=interaction), company, agent_score)

    day = buckets.local_day(when)
    for scope in ("agent", "department", "company"):
        row = NpsBucket.objects.get(scope=scope, day=day, channel="chat")
        assert (row.company_promoters, row.company_passives, row.company_detractors) == (1, 1, 1)
        assert (row.agent_promoters, row.agent_passives, row.agent_detractors) == (2, 0, 1)
        assert row.responses == 3
    incremental = snapshot()
    NpsBucket.objects.all().delete()
    buckets.rebuild()
    assert snapshot() == incremental
