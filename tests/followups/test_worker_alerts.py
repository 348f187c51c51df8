"""A real Celery worker on the Redis broker emails the supervisor about a new case."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from followups import alerts
from followups.models import FollowUpCase
from nps_project.celery import app as celery_app
from tests.conftest import wait_until
from tests.factories import AgentFactory, DepartmentFactory, InvitationFactory, ResponseFactory

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


def test_a_message_queued_under_the_old_task_name_still_alerts(celery_worker_process):
    """A deployment upgraded with messages in the queue: "analytics.tasks.send_case_alerts"
    was the name before follow-ups moved to their own app."""
    billing = DepartmentFactory(code="billing", name="Billing")
    sam = get_user_model().objects.create_user("sam", email="sam@example.com")
    billing.supervisors.add(sam)
    agent = AgentFactory(department=billing)
    response = ResponseFactory(company_score=1, agent_score=1, invitation__interaction__agent=agent)
    now = timezone.now()
    # The case and its unsent alert as the old code left them, without enqueueing anything.
    case = FollowUpCase.objects.create(
        response=response, department=billing, assignee=sam, opened_at=now, due_at=now + timedelta(hours=48)
    )
    alerts.create_alerts(case, [sam])

    celery_app.send_task("analytics.tasks.send_case_alerts", args=[case.pk])

    wait_until(lambda: FollowUpCase.objects.filter(pk=case.pk, alert_sent_at__isnull=False).exists(), timeout=30)
    (message,) = wait_until(celery_worker_process.mails, timeout=10)
    assert "To: sam@example.com" in message
    assert f"/dashboard/cases/{case.pk}/" in message
