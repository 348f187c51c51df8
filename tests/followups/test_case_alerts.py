"""Supervisors hear about new cases by email, at once or in an hourly digest (their
choice); a mail server that is down delays the alert but never loses it, and admins see
whether it went out."""

import pytest
from celery.signals import task_retry

from followups.models import CaseAlert, CaseAlertMode, CaseEvent, FollowUpCase, NotificationPreference
from followups.tasks import send_case_digests, sweep_followups

pytestmark = pytest.mark.django_db


@pytest.fixture
def retries():
    seen = []

    def record(sender, request, reason, **kwargs):
        seen.append(reason.when)

    task_retry.connect(record, weak=False)
    yield seen
    task_retry.disconnect(record)


def test_the_supervisor_gets_an_email_as_the_case_opens(answer, sam, outbox):
    response = answer(3, 8, why="Waited two weeks for a refund")
    case = FollowUpCase.objects.get(response=response)

    assert len(outbox) == 1
    email = outbox[0]
    assert email.to == ["sam@example.com"]
    assert "Billing" in email.subject and "3/8" in email.subject
    assert "Waited two weeks for a refund" in email.body
    assert f"/dashboard/cases/{case.pk}/" in email.body
    case.refresh_from_db()
    assert case.alert_sent_at is not None and case.alert_error == ""
    assert case.events.filter(kind=CaseEvent.Kind.ALERTED, text__contains="sam@example.com").exists()


def test_every_supervisor_of_the_department_is_alerted_once(answer, billing, sam, django_user_model, outbox):
    second = django_user_model.objects.create_user("ria", email="ria@example.com")
    billing.supervisors.add(second)

    answer(2, 2)

    assert sorted(address for email in outbox for address in email.to) == ["ria@example.com", "sam@example.com"]


def test_a_supervisor_who_chose_the_digest_gets_one_email_an_hour(answer, sam, outbox):
    NotificationPreference.objects.create(user=sam, case_alerts=CaseAlertMode.HOURLY)
    first = answer(3, 9, why="Rude on the phone")
    second = answer(9, 1, why="Hung up on me")

    assert outbox == []  # nothing at once

    send_case_digests.delay()

    assert len(outbox) == 1
    digest = outbox[0]
    assert digest.to == ["sam@example.com"]
    assert "2 new follow-up cases" in digest.subject
    assert "Rude on the phone" in digest.body and "Hung up on me" in digest.body
    for response in (first, second):
        assert f"/dashboard/cases/{response.followup_case.pk}/" in digest.body
        assert FollowUpCase.objects.get(response=response).alert_sent_at is not None

    send_case_digests.delay()
    assert len(outbox) == 1  # already told


def test_a_supervisor_who_switched_alerts_off_gets_nothing(answer, sam, outbox):
    NotificationPreference.objects.create(user=sam, case_alerts=CaseAlertMode.OFF)

    case = FollowUpCase.objects.get(response=answer(3, 9))
    send_case_digests.delay()

    assert outbox == []
    assert case.assignee == sam  # still their case


def test_mail_server_down_the_alert_is_retried_recorded_as_failed_then_sent_later(
    answer, sam, mail_server_down, mail_server_back, retries, settings, outbox
):
    settings.DELIVERY_MAX_RETRIES = 2

    case = FollowUpCase.objects.get(response=answer(3, 9))

    assert retries == [30, 60]  # backoff between the three tries
    case.refresh_from_db()
    assert case.alert_sent_at is None
    assert case.alert_error.startswith("sam@example.com: Email server error")
    alert = case.alerts.get()
    assert alert.attempts == 3 and alert.sent_at is None

    mail_server_back()
    sweep_followups.delay()

    case.refresh_from_db()
    assert case.alert_sent_at is not None
    assert case.alert_error == ""
    assert [email.to for email in outbox] == [["sam@example.com"]]


def test_a_digest_that_fails_is_kept_for_the_next_hour(answer, sam, mail_server_down, mail_server_back, settings):
    settings.DELIVERY_MAX_RETRIES = 1
    NotificationPreference.objects.create(user=sam, case_alerts=CaseAlertMode.HOURLY)
    case = FollowUpCase.objects.get(response=answer(3, 9))

    send_case_digests.delay()

    case.refresh_from_db()
    assert case.alert_sent_at is None and "Email server error" in case.alert_error
    assert CaseAlert.objects.get().attempts == 2

    mail_server_back()
    send_case_digests.delay()

    case.refresh_from_db()
    assert case.alert_sent_at is not None and case.alert_error == ""


def test_admins_see_a_failing_alert_on_the_case_page_and_in_the_admin(
    client, answer, sam, boss, mail_server_down, settings
):
    settings.DELIVERY_MAX_RETRIES = 0
    case = FollowUpCase.objects.get(response=answer(3, 9))
    client.force_login(boss)

    page = client.get(f"/dashboard/cases/{case.pk}/").content.decode()
    assert "Alert error" in page and "Email server error" in page
    admin_page = client.get(f"/admin/followups/followupcase/{case.pk}/change/").content.decode()
    assert "Email server error" in admin_page
    assert client.get("/admin/followups/followupcase/").status_code == 200

    client.force_login(sam)
    assert "Email server error" not in client.get(f"/dashboard/cases/{case.pk}/").content.decode()


def test_an_admin_can_resend_a_failed_alert(
    client, answer, sam, boss, mail_server_down, mail_server_back, settings, django_capture_on_commit_callbacks
):
    settings.DELIVERY_MAX_RETRIES = 0
    case = FollowUpCase.objects.get(response=answer(3, 9))
    mail_server_back()
    client.force_login(boss)

    with django_capture_on_commit_callbacks(execute=True):
        reply = client.post(f"/dashboard/cases/{case.pk}/", {"action": "retry_alert"})

    assert reply.status_code == 302
    case.refresh_from_db()
    assert case.alert_sent_at is not None and case.alert_error == ""


def test_supervisors_choose_how_they_hear_about_cases(client, sam):
    client.force_login(sam)
    page = client.get("/dashboard/cases/alerts/")
    assert page.status_code == 200 and "Hourly digest" in page.content.decode()

    reply = client.post("/dashboard/cases/alerts/", {"case_alerts": "hourly"}, follow=True)

    assert "Saved: hourly digest." in reply.content.decode()
    assert NotificationPreference.objects.get(user=sam).case_alerts == CaseAlertMode.HOURLY
    bad = client.post("/dashboard/cases/alerts/", {"case_alerts": "weekly"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()
    assert NotificationPreference.objects.get(user=sam).case_alerts == CaseAlertMode.HOURLY
