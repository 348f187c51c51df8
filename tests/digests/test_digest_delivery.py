"""Weekly digests reach the right people once a week: each recipient can switch them off, a
repeated or retried run never sends twice, and a mail server that is down delays a digest
(retried with backoff, the failure visible to admins) without losing it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics import digests
from analytics.models import WeeklyDigest
from analytics.tasks import resend_weekly_digests, send_weekly_digest, send_weekly_digests
from followups.models import NotificationPreference
from tests.digests.conftest import days_in

pytestmark = pytest.mark.django_db

Status = WeeklyDigest.Status


@pytest.fixture
def team(boss, sam, budi, claims, answers, week):
    """An admin, Billing's supervisor and one of its agents with a login, with answers last week."""
    answers(budi, days_in(week), [(10, 10, "Quick and kind, thank you so much"), (3, 9, "The fees are too high")])


def send_all() -> None:
    for audience in ("admin", "supervisor", "agent"):
        send_weekly_digests.delay(audience)


def test_each_role_gets_its_own_digest_once(team, outbox, week):
    send_all()

    assert sorted((email.to[0], email.subject.split(",")[0]) for email in outbox) == [
        ("boss@example.com", "Acme Support NPS"),
        ("budi@example.com", "Your NPS"),
        ("sam@example.com", "Your departments' NPS"),
    ]
    assert set(WeeklyDigest.objects.values_list("audience", "status")) == {
        ("admin", "sent"),
        ("supervisor", "sent"),
        ("agent", "sent"),
    }

    send_all()  # beat fires twice, or someone runs it by hand
    for digest_id in WeeklyDigest.objects.values_list("pk", flat=True):
        send_weekly_digest.delay(digest_id)  # a task redelivered after it had sent

    assert len(outbox) == 3
    assert WeeklyDigest.objects.count() == 3 and all(d.attempts == 1 for d in WeeklyDigest.objects.all())


def test_people_without_a_role_or_an_email_get_nothing(team, django_user_model, outbox):
    django_user_model.objects.create_user("nobody", email="nobody@example.com")
    django_user_model.objects.create_user("noemail", email="", is_staff=True)
    django_user_model.objects.create_user("gone", email="gone@example.com", is_staff=True, is_active=False)

    send_all()

    assert sorted(email.to[0] for email in outbox) == ["boss@example.com", "budi@example.com", "sam@example.com"]


def test_a_recipient_who_switched_the_digest_off_gets_none(team, outbox, sam):
    NotificationPreference.objects.create(user=sam, weekly_digest=False)

    send_all()

    assert sorted(email.to[0] for email in outbox) == ["boss@example.com", "budi@example.com"]
    assert not WeeklyDigest.objects.filter(recipient=sam).exists()


def test_switching_off_after_the_digest_was_queued_still_stops_it(team, outbox, sam):
    (digest_id,) = digests.queue_week("supervisor")
    digests.set_digest(sam, on=False)

    assert send_weekly_digest.delay(digest_id).get() == "skipped"

    assert outbox == []
    digest = WeeklyDigest.objects.get(pk=digest_id)
    assert digest.status == Status.SKIPPED and "switched the weekly digest off" in digest.last_error


def test_a_supervisor_who_lost_their_departments_is_skipped(team, billing, outbox, sam):
    (digest_id,) = digests.queue_week("supervisor")
    billing.supervisors.remove(sam)

    send_weekly_digest.delay(digest_id)

    assert outbox == []
    assert WeeklyDigest.objects.get(pk=digest_id).last_error == "The user no longer supervises a department."


def test_mail_server_down_the_digest_is_retried_shown_to_admins_then_sent(
    team, boss, sam, mail_server_down, retries, settings, client, outbox
):
    settings.DELIVERY_MAX_RETRIES = 2

    send_weekly_digests.delay("supervisor")

    assert retries == [30, 60]  # backoff between the three tries
    digest = WeeklyDigest.objects.get(recipient=sam)
    assert digest.status == Status.FAILED and digest.attempts == 3 and digest.sent_at is None
    assert digest.last_error.startswith("Email server error")

    client.force_login(boss)
    page = client.get("/admin/analytics/weeklydigest/?status__exact=failed")
    assert page.status_code == 200
    assert "sam" in page.content.decode() and "Email server error" in page.content.decode()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    resend_weekly_digests.delay()  # hourly

    digest.refresh_from_db()
    assert digest.status == Status.SENT and digest.last_error == "" and digest.attempts == 4
    assert [email.to for email in outbox] == [["sam@example.com"]]
    resend_weekly_digests.delay()
    assert len(outbox) == 1


def test_a_digest_whose_task_was_lost_is_sent_by_the_hourly_resend(team, outbox):
    digests.queue_week("admin")  # queued, but the broker lost the message
    assert resend_weekly_digests.delay().get() == 0  # not yet: its task may still come

    WeeklyDigest.objects.update(created_at=timezone.now() - timedelta(minutes=30))
    resend_weekly_digests.delay()

    assert [email.to for email in outbox] == [["boss@example.com"]]


def test_last_weeks_failures_are_not_resent_once_a_new_week_starts(team, week, outbox, boss):
    WeeklyDigest.objects.create(recipient=boss, audience="admin", week=week.previous.start, status=Status.FAILED)

    assert resend_weekly_digests.delay().get() == 0
    assert outbox == []


def test_an_admin_can_send_failed_digests_again_from_the_admin(team, client, outbox, boss, sam):
    digest = WeeklyDigest.objects.create(
        recipient=sam, audience="supervisor", week=digests.digest_content.last_complete_week().start,
        status=Status.FAILED, attempts=6, last_error="Email server error: refused",
    )  # fmt: skip
    client.force_login(boss)

    reply = client.post(
        "/admin/analytics/weeklydigest/", {"action": "send_again", "_selected_action": [digest.pk]}, follow=True
    )

    assert reply.status_code == 200
    digest.refresh_from_db()
    assert digest.status == Status.SENT
    assert [email.to for email in outbox] == [["sam@example.com"]]


def test_customer_text_is_escaped_in_the_html_digest(boss, budi, answers, week, outbox):
    answers(budi, days_in(week), [(2, 2, "<script>alert('x')</script> and nobody called back")])

    send_weekly_digests.delay("admin")

    (email,) = outbox
    html = email.alternatives[0][0]
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; and nobody called back" in html
    assert "<script>" not in html
    assert "<script>alert('x')</script> and nobody called back" in email.body  # plain text stays plain
