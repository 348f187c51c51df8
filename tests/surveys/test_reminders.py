"""One reminder, on the admin's choice: customers who have not answered an email or SMS
invitation N hours after it was sent get exactly one reminder; never after they answered,
after the link expired, or when the survey's reminders are off."""

from datetime import timedelta
from smtplib import SMTPServerDisconnected
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from surveys import tasks
from surveys.delivery import sms
from surveys.models import Invitation, Survey
from tests.factories import AgentFactory, InvitationFactory, SurveyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    survey = SurveyFactory()
    Survey.objects.filter(pk=survey.pk).update(reminder_enabled=True, reminder_after_hours=24)
    return survey


def sent(
    hours_ago: float, *, method: str = "email", status: str = Invitation.Status.SENT, language: str = "en", **extra
):
    moment = timezone.now() - timedelta(hours=hours_ago)
    return InvitationFactory(
        interaction__agent=AgentFactory(name="Budi Santoso"),
        interaction__customer_phone="+6281234567",
        method=method,
        status=status,
        language=language,
        sent_at=moment,
        send_after=moment,
        **extra,
    )


def sweep() -> int:
    return tasks.send_due_reminders.delay().get()


def test_an_unanswered_email_invitation_gets_exactly_one_reminder(survey):
    invitation = sent(25)

    assert sweep() == 1
    assert sweep() == 0

    assert len(mail.outbox) == 1
    reminder = mail.outbox[0]
    assert reminder.to == [invitation.interaction.customer_email]
    assert reminder.subject.startswith("Reminder: how did Budi do?")
    assert f"/s/{invitation.token}/" in reminder.body
    assert "This is the only reminder we send." in reminder.body
    invitation.refresh_from_db()
    assert invitation.reminder_sent_at is not None
    assert invitation.status == Invitation.Status.SENT, "still waiting for the answer"


def test_a_reminder_enqueued_twice_is_sent_once(survey):
    invitation = sent(30)

    results = [tasks.send_invitation_reminder.delay(invitation.pk).get() for _ in range(2)]

    assert results == ["reminded", "already reminded"]
    assert len(mail.outbox) == 1


def test_an_opened_but_unanswered_sms_invitation_is_reminded_by_sms_in_its_language(survey):
    sent(26, method="sms", status=Invitation.Status.OPENED, language="id")

    assert sweep() == 1

    assert not mail.outbox
    assert len(sms.outbox) == 1
    assert sms.outbox[0]["to"] == "+6281234567"
    assert "pengingat" in sms.outbox[0]["body"]


@pytest.mark.parametrize(
    "case",
    ["answered", "expired", "too early", "link only", "reminders off", "suppressed", "already reminded"],
)
def test_no_reminder_when_it_is_not_due(survey, case):
    if case == "answered":
        sent(30, status=Invitation.Status.ANSWERED)
    elif case == "expired":
        sent(30, expires_at=timezone.now() - timedelta(minutes=1))
    elif case == "too early":
        sent(23)
    elif case == "link only":
        sent(30, method="link")
    elif case == "reminders off":
        Survey.objects.filter(pk=survey.pk).update(reminder_enabled=False)
        sent(30)
    elif case == "suppressed":
        sent(30, status=Invitation.Status.SUPPRESSED)
    elif case == "already reminded":
        sent(30, reminder_sent_at=timezone.now() - timedelta(hours=1))

    assert sweep() == 0
    assert not mail.outbox and not sms.outbox


def test_an_invitation_answered_after_the_sweep_is_not_reminded(survey):
    invitation = sent(30)
    Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.Status.ANSWERED)

    assert tasks.send_invitation_reminder.delay(invitation.pk).get() == "skipped (answered)"
    assert not mail.outbox


def test_a_failed_reminder_is_retried_by_the_next_sweeps_three_times_at_most(survey):
    invitation = sent(30)

    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages") as send:
        send.side_effect = SMTPServerDisconnected("mail server down")
        for _ in range(4):
            sweep()

    invitation.refresh_from_db()
    assert send.call_count == 3
    assert invitation.reminder_attempts == 3 and invitation.reminder_sent_at is None
    assert "Reminder: Email server error" in invitation.last_error
    assert sweep() == 0


def test_the_sweep_runs_every_few_minutes_under_celery_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["send-due-reminders"]
    assert entry["task"] == "surveys.tasks.send_due_reminders"
    assert entry["schedule"] <= 600
