"""People for the digest tests: an admin, a supervisor of Billing, an agent with a login,
and a way to store answers for a given day with the derived buckets rebuilt."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from celery.signals import task_retry
from django.conf import settings
from django.contrib.auth import get_user_model

from analytics import buckets
from analytics.digest_content import last_complete_week
from surveys.models import Invitation
from tests.factories import AgentFactory, DepartmentFactory, InteractionFactory, InvitationFactory, ResponseFactory

User = get_user_model()


@pytest.fixture
def week():
    return last_complete_week()


@pytest.fixture
def billing(db):
    return DepartmentFactory(code="billing", name="Billing")


@pytest.fixture
def claims(db):
    return DepartmentFactory(code="claims", name="Claims")


@pytest.fixture
def boss(db):
    return User.objects.create_user("boss", email="boss@example.com", is_staff=True, is_superuser=True, first_name="Bo")


@pytest.fixture
def sam(billing):
    user = User.objects.create_user("sam", email="sam@example.com", first_name="Sam")
    billing.supervisors.add(user)
    return user


@pytest.fixture
def budi(billing):
    user = User.objects.create_user("budi", email="budi@example.com", first_name="Budi")
    return AgentFactory(name="Budi Santoso", department=billing, user=user)


@pytest.fixture
def answers(db):
    """answers(agent, day, [(company, agent, why), ...]) stores answers on that local day."""

    def store(agent, day, scores, *, channel="phone"):
        moment = datetime.combine(day, time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))
        for company, agent_score, why in scores:
            interaction = InteractionFactory(agent=agent, occurred_at=moment, channel=channel)
            ResponseFactory(
                invitation=InvitationFactory(interaction=interaction, status=Invitation.Status.ANSWERED),
                company_score=company,
                agent_score=agent_score,
                why=why,
            )
        buckets.rebuild()

    return store


@pytest.fixture
def retries():
    seen = []

    def record(sender, request, reason, **kwargs):
        seen.append(reason.when)

    task_retry.connect(record, weak=False)
    yield seen
    task_retry.disconnect(record)


def days_in(week, offset: int = 2):
    return week.start + timedelta(days=offset)
