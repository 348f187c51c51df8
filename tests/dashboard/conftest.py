"""Users in each role, and a small answered data set with derived tables built."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from analytics import breakdowns, buckets
from surveys.models import Invitation
from tests.factories import AgentFactory, DepartmentFactory, InteractionFactory, InvitationFactory, ResponseFactory

User = get_user_model()


@pytest.fixture
def admin_user(db):
    return User.objects.create_user("boss", password="pw-boss-123", is_staff=True, is_superuser=True)


@pytest.fixture
def departments(db):
    billing = DepartmentFactory(code="billing", name="Billing", target_nps=40)
    return billing, DepartmentFactory(code="claims", name="Claims")


@pytest.fixture
def supervisor(departments):
    user = User.objects.create_user("sup", password="pw-sup-123", first_name="Sam")
    departments[0].supervisors.add(user)
    return user


@pytest.fixture
def answered(departments):
    """Two agents in each department, a few answers each over the last weeks."""
    billing, claims = departments
    agents = [
        AgentFactory(name="Budi Santoso", department=billing),
        AgentFactory(name="Ana García", department=billing),
        AgentFactory(name="Carl Jones", department=claims),
        AgentFactory(name="Dewi Lestari", department=claims),
    ]
    scores = {0: [(10, 10), (9, 9), (8, 10)], 1: [(6, 7), (9, 8)], 2: [(3, 2), (5, 6), (7, 9)], 3: [(10, 9)]}
    now = timezone.now()
    for index, agent in enumerate(agents):
        for offset, (company, agent_score) in enumerate(scores[index]):
            interaction = InteractionFactory(
                agent=agent,
                occurred_at=now - timedelta(days=3 + 7 * offset),
                channel=("phone", "chat")[offset % 2],
                handle_seconds=200 + 300 * offset,
                transfers=offset,
                resolved=offset != 2,
                tags=["billing"],
            )
            ResponseFactory(
                invitation=InvitationFactory(interaction=interaction, status=Invitation.Status.ANSWERED),
                company_score=company,
                agent_score=agent_score,
                why=f"Comment {index}-{offset} <b>bold</b>",
            )
    buckets.rebuild()
    breakdowns.rebuild()
    return agents
