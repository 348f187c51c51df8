"""Each recipient switches the weekly digest off on the email settings page, on the case
alert settings page, or with the link in the digest itself (no sign-in needed)."""

import pytest

from analytics import digests
from analytics.models import WeeklyDigest
from analytics.tasks import send_weekly_digests
from followups.models import NotificationPreference

pytestmark = pytest.mark.django_db


def test_the_link_in_the_digest_asks_then_switches_it_off_without_signing_in(budi, outbox, client):
    send_weekly_digests.delay("agent")
    (email,) = outbox
    link = next(word for word in email.body.split() if "/digest/unsubscribe/" in word)
    path = link.split("127.0.0.1:8000", 1)[1]

    page = client.get(path)
    assert page.status_code == 200 and "Switch the weekly digest off" in page.content.decode()
    assert digests.wants_digest(budi.user)  # a mail scanner opening the link changes nothing

    done = client.post(path)
    assert done.status_code == 200 and "is off" in done.content.decode()
    assert not digests.wants_digest(budi.user)

    outbox.clear()
    WeeklyDigest.objects.all().delete()  # as if next week
    send_weekly_digests.delay("agent")
    assert outbox == []


def test_a_forged_or_altered_link_does_nothing(budi, client):
    token = digests.unsubscribe_token(budi.user)

    reply = client.post(f"/dashboard/digest/unsubscribe/{token[:-2]}xx/")

    assert reply.status_code == 404
    assert digests.wants_digest(budi.user)


def test_an_agent_switches_it_off_and_on_in_email_settings(budi, client):
    client.force_login(budi.user)

    page = client.get("/dashboard/settings/email/")
    assert page.status_code == 200 and 'name="weekly_digest"' in page.content.decode()
    assert "checked" in page.content.decode()

    client.post("/dashboard/settings/email/", {})
    assert not digests.wants_digest(budi.user)
    client.post("/dashboard/settings/email/", {"weekly_digest": "on"})
    assert digests.wants_digest(budi.user)


def test_a_supervisor_can_also_switch_it_on_the_case_alert_settings(sam, client):
    client.force_login(sam)

    page = client.get("/dashboard/cases/alerts/")
    assert 'name="weekly_digest"' in page.content.decode()

    client.post("/dashboard/cases/alerts/", {"case_alerts": "hourly"})
    preference = NotificationPreference.objects.get(user=sam)
    assert preference.case_alerts == "hourly" and preference.weekly_digest is False

    client.post("/dashboard/cases/alerts/", {"case_alerts": "hourly", "weekly_digest": "on"})
    assert NotificationPreference.objects.get(user=sam).weekly_digest is True


def test_the_settings_page_needs_a_sign_in(client):
    reply = client.get("/dashboard/settings/email/")
    assert reply.status_code == 302 and reply["Location"].startswith("/login/")
