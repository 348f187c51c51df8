"""Customers with personal data spread the way the real flow spreads it: interactions with
contact details, answers with why-text and extra answers, a follow-up case with notes and a
recovery survey, plus a bystander whose data must never change."""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from analytics import breakdowns, buckets
from analytics.models import DriverBucket, FunnelBucket, NpsBucket, ScoreHistogram
from followups import services
from surveys.models import Invitation
from tests.factories import AgentFactory, DepartmentFactory, InteractionFactory, InvitationFactory, ResponseFactory

User = get_user_model()


@pytest.fixture
def billing(db):
    return DepartmentFactory(code="billing", name="Billing")


@pytest.fixture
def sam(billing):
    user = User.objects.create_user("sam", email="sam@example.com", password="pw-sam-123")
    billing.supervisors.add(user)
    return user


@pytest.fixture
def boss(db):
    return User.objects.create_user(
        "boss", email="boss@example.com", password="pw-boss-123", is_staff=True, is_superuser=True
    )


@pytest.fixture
def answer(billing):
    agent = AgentFactory(name="Budi Santoso", department=billing)

    def make(*, email="", phone="", name="", occurred_at: datetime | None = None, company=9, agent_score=10,
             why="", extra=None, channel="phone"):  # fmt: skip
        interaction = InteractionFactory(
            agent=agent, customer_email=email, customer_phone=phone, customer_name=name, channel=channel,
            occurred_at=occurred_at or timezone.now() - timedelta(days=3), handle_seconds=300, tags=["refund"],
        )  # fmt: skip
        return ResponseFactory(
            invitation=InvitationFactory(interaction=interaction, status=Invitation.Status.ANSWERED),
            company_score=company,
            agent_score=agent_score,
            why=why,
            extra_answers=extra or {},
        )

    return make


@pytest.fixture
def ana(answer, sam, django_capture_on_commit_callbacks):
    """Ana: two answers by email, one a detractor whose case was worked and resolved with a
    recovery survey; staff wrote her email into the notes."""
    happy = answer(email="ana@example.com", name="Ana García", why="Lovely service from Budi",
                   extra={"csat": 5, "comment": "Call me on +62 812 3456 7890", "resolved": True})  # fmt: skip
    unhappy = answer(email="ana@example.com", name="Ana García", company=2, agent_score=4,
                     why="Charged twice, nobody answers", extra={"csat": 1})  # fmt: skip
    Invitation.objects.filter(pk=unhappy.invitation_id).update(last_error="Email refused: {'ana@example.com': 452}")
    case = services.open_case_for(unhappy)
    services.add_note(case, "Left a voicemail; will email ANA@example.com tomorrow", by=sam)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(
            case, status="resolved", by=sam, outcome="Refunded; confirmed by mail to ana@example.com",
            send_recovery=True,
        )  # fmt: skip
    return happy, unhappy, case


@pytest.fixture
def bystander(answer):
    return answer(email="bob@example.com", phone="+6281111111111", name="Bob", why="Great", extra={"note": "x"})


def derived_snapshot() -> dict:
    """Every derived table, rebuilt from the raw answers."""
    buckets.rebuild()
    breakdowns.rebuild()
    return {
        model.__name__: sorted(tuple(v for k, v in row.items() if k != "id") for row in model.objects.values())
        for model in (NpsBucket, ScoreHistogram, FunnelBucket, DriverBucket)
    }
