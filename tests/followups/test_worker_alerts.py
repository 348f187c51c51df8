"""A real Celery worker on the Redis broker emails the supervisor about a new case."""

import pytest
from django.contrib.auth import get_user_model

from analytics.models import FollowUpCase
from tests.conftest import wait_until
from tests.factories import AgentFactory, DepartmentFactory, InvitationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_worker_alerts_the_supervisor_when_a_customer_answers_low(celery_worker_process, client):
    billing = DepartmentFactory(code="billing", name="Billing")
    billing.supervisors.add(get_user_model().objects.create_user("sam", email="sam@example.com"))
    invitation = InvitationFactory(interaction__agent=AgentFactory(department=billing))

    reply = client.post(f"/s/{invitation.token}/", {"company_score": "2", "agent_score": "8", "why": "Too slow"})
    assert reply.status_code == 302

    case = wait_until(
        lambda: FollowUpCase.objects.filter(response__invitation=invitation, alert_sent_at__isnull=False).first(),
        timeout=30,
    )
    (message,) = wait_until(celery_worker_process.mails, timeout=10)
    assert "To: sam@example.com" in message
    assert f"/dashboard/cases/{case.pk}/" in message
    assert "Too slow" in message
