"""When invitations go out: a configured delay, the periodic sweep, and links that expired unsent."""

from datetime import datetime, timedelta

import pytest
from celery.signals import before_task_publish
from django.core import mail
from django.utils import timezone

from nps_project.celery import app as celery_app
from surveys.models import Invitation
from surveys.tasks import deliver_invitation, send_due_invitations
from tests.factories import InvitationFactory, SurveyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(api, django_capture_on_commit_callbacks):
    def post(external_id: str, *, email: str = "lia@example.com", delivery: dict | None = None) -> Invitation:
        payload = {"external_id": external_id, "channel": "phone", "agent": "a-1", "customer": {"email": email}}
        if delivery is not None:
            payload["delivery"] = delivery
        with django_capture_on_commit_callbacks(execute=True):
            reply = api.post("/api/v1/interactions/", payload, format="json")
        assert reply.status_code == 201, reply.content
        return Invitation.objects.get(interaction__external_id=external_id)

    return post


@pytest.fixture
def published(settings):
    """Tasks go to the broker instead of running here; yields the (task, eta) of each message."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    messages: list[tuple[str, datetime | None]] = []

    def record(sender, headers, **kwargs):
        eta = headers.get("eta")
        messages.append((headers["task"], datetime.fromisoformat(eta) if eta else None))

    before_task_publish.connect(record, weak=False)
    yield messages
    before_task_publish.disconnect(record)
    celery_app.control.purge()  # nothing runs these here


def pending(**fields) -> Invitation:
    return InvitationFactory(status=Invitation.Status.PENDING, method="email", sent_at=None, **fields)


def test_delivery_delay_holds_the_email_until_its_time(report):
    before = timezone.now()

    invitation = report("call-1", delivery={"method": "email", "delay_minutes": 15})

    assert mail.outbox == []
    assert invitation.status == Invitation.Status.PENDING
    assert invitation.attempts == 0
    assert before + timedelta(minutes=15) <= invitation.send_after <= timezone.now() + timedelta(minutes=15)


def test_delayed_delivery_is_queued_to_run_at_the_send_time(report, published):
    invitation = report("call-2", delivery={"delay_minutes": 15})

    ((task, eta),) = published
    assert task == "surveys.tasks.deliver_invitation"
    assert abs((eta - invitation.send_after).total_seconds()) < 5
    assert eta > timezone.now() + timedelta(minutes=14)


def test_undelayed_delivery_is_queued_to_run_now(report, published):
    report("call-3")

    assert published == [("surveys.tasks.deliver_invitation", None)]


def test_the_surveys_send_delay_applies_when_the_platform_sets_none(report):
    SurveyFactory(send_delay_minutes=30)

    invitation = report("call-4")

    assert mail.outbox == []
    assert invitation.send_after > timezone.now() + timedelta(minutes=29)
    # The platform's own delay wins over the survey's.
    assert report("call-5", email="ed@example.com", delivery={"delay_minutes": 0}).status == Invitation.Status.SENT


def test_sweep_sends_what_is_overdue_and_leaves_what_is_not_due(settings):
    lost = pending(send_after=timezone.now() - timedelta(minutes=10))
    later = pending(send_after=timezone.now() + timedelta(minutes=10))
    in_flight = pending(send_after=timezone.now() - timedelta(seconds=30))  # its task may still be on the way

    assert send_due_invitations.delay().get() == 1

    assert [m.to for m in mail.outbox] == [[lost.interaction.customer_email]]
    statuses = {i.pk: i.status for i in Invitation.objects.all()}
    assert statuses == {lost.pk: "sent", later.pk: "pending", in_flight.pk: "pending"}


def test_delayed_invitation_goes_out_once_its_time_has_passed(report):
    invitation = report("call-6", delivery={"delay_minutes": 15})
    # Sixteen minutes later, with no task left to send it (the broker lost it):
    Invitation.objects.filter(pk=invitation.pk).update(send_after=timezone.now() - timedelta(minutes=3))

    send_due_invitations.delay()

    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.SENT
    assert len(mail.outbox) == 1


def test_invitation_whose_link_expired_unsent_is_never_sent(settings):
    expired = pending(send_after=timezone.now() - timedelta(days=8), expires_at=timezone.now() - timedelta(days=1))

    assert send_due_invitations.delay().get() == 0

    expired.refresh_from_db()
    assert expired.status == Invitation.Status.EXPIRED
    assert mail.outbox == []


def test_late_task_for_an_expired_link_sends_nothing(report):
    invitation = report("call-7", delivery={"delay_minutes": 15})
    Invitation.objects.filter(pk=invitation.pk).update(
        send_after=timezone.now() - timedelta(days=8), expires_at=timezone.now() - timedelta(minutes=1)
    )

    assert deliver_invitation.delay(invitation.pk).get() == "expired"

    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.EXPIRED
    assert mail.outbox == []
