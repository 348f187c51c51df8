"""An unreachable mail server: every try is recorded, retried with backoff, then given up."""

import time
from datetime import timedelta

import pytest
from celery.signals import task_retry
from django.core import mail
from django.utils import timezone

from surveys.delivery import dispatch
from surveys.models import Invitation
from surveys.tasks import send_due_invitations
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def retries():
    """The countdown Celery was given for each retry, and a hook to run before the next try."""

    class Retries(list):
        before_next_try = None

    seen = Retries()

    def record(sender, request, reason, **kwargs):
        seen.append(reason.when)
        if seen.before_next_try:
            seen.before_next_try()

    task_retry.connect(record, weak=False)
    yield seen
    task_retry.disconnect(record)


@pytest.fixture
def invite_by_email(api, django_capture_on_commit_callbacks):
    def post(external_id: str = "ticket-1") -> Invitation:
        with django_capture_on_commit_callbacks(execute=True):
            reply = api.post(
                "/api/v1/interactions/",
                {
                    "external_id": external_id,
                    "channel": "email",
                    "agent": "a-3",
                    "agent_name": "Maya Putri",
                    "customer": {"email": "tono@example.com"},
                },
                format="json",
            )
        assert reply.status_code == 201, reply.content
        return Invitation.objects.get(interaction__external_id=external_id)

    return post


def test_mail_server_down_each_try_is_recorded_then_the_invitation_fails(
    mail_server_down, invite_by_email, retries, settings
):
    settings.DELIVERY_MAX_RETRIES = 3
    started = time.monotonic()

    invitation = invite_by_email()

    assert time.monotonic() - started < 2  # eager retries run at once, without the countdown
    assert invitation.status == Invitation.Status.FAILED
    assert invitation.attempts == 4  # the first try and three retries
    assert "Email server error" in invitation.last_error
    assert "refused" in invitation.last_error.lower()
    assert invitation.sent_at is None
    assert retries == [30, 60, 120]
    assert mail.outbox == []


def test_backoff_doubles_and_is_capped_at_an_hour(mail_server_down, invite_by_email, retries, settings):
    settings.DELIVERY_MAX_RETRIES = 9

    invitation = invite_by_email()

    assert retries == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert invitation.attempts == 10
    assert invitation.status == Invitation.Status.FAILED


def test_mail_server_back_before_the_next_try_sends_and_clears_the_error(
    mail_server_down, invite_by_email, retries, settings
):
    def mail_server_comes_back():
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    retries.before_next_try = mail_server_comes_back

    invitation = invite_by_email()

    assert retries == [30]
    assert invitation.status == Invitation.Status.SENT
    assert invitation.attempts == 2
    assert invitation.last_error == ""
    assert invitation.sent_at is not None
    assert mail.outbox[0].to == ["tono@example.com"]


def test_a_failed_try_shows_when_the_next_one_is_due(mail_server_down):
    invitation = InvitationFactory(status=Invitation.Status.PENDING, method="email", sent_at=None)
    before = timezone.now()

    with pytest.raises(dispatch.RetryLater) as retry:
        dispatch.deliver_invitation(invitation.pk)

    assert retry.value.retry_in == 30
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING
    assert invitation.attempts == 1
    assert "refused" in invitation.last_error.lower()
    assert invitation.send_after >= before + timedelta(seconds=30)


def test_sweep_resumes_a_delivery_whose_retry_was_lost(settings):
    """A retry message lost with the broker: the sweep sends once its time is well past."""
    invitation = InvitationFactory(
        status=Invitation.Status.PENDING,
        method="email",
        sent_at=None,
        attempts=2,
        last_error="Email server error: [Errno 111] Connection refused",
        send_after=timezone.now() - timedelta(minutes=5),
    )

    assert send_due_invitations.delay().get() == 1

    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.SENT
    assert (invitation.attempts, invitation.last_error) == (3, "")
    assert len(mail.outbox) == 1


def test_an_unexpected_error_counts_as_a_try_and_ends_failed(settings, invite_by_email):
    settings.DELIVERY_MAX_RETRIES = 1
    settings.EMAIL_BACKEND = "no.such.EmailBackend"  # a misconfiguration nobody foresaw

    invitation = invite_by_email()

    assert invitation.status == Invitation.Status.FAILED
    assert invitation.attempts == 2
    assert "Unexpected error" in invitation.last_error
