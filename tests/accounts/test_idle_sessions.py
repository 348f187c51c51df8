"""Sessions end after SESSION_IDLE_MINUTES without a request; the session is written at
most once a minute to keep it alive, not on every page."""

import time

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.middleware import SEEN_KEY
from privacy.models import ChangeRecord
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def _age_session(client, seconds: int) -> None:
    session = client.session
    session[SEEN_KEY] = int(time.time()) - seconds
    session.save()


def test_an_idle_session_is_signed_out(client, admin_user, settings):
    settings.SESSION_IDLE_MINUTES = 30
    client.post("/login/", {"username": "ada", "password": TEST_PASSWORD})
    client.get("/manage/surveys/")
    _age_session(client, 31 * 60)
    response = client.get("/manage/surveys/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/manage/surveys/"
    assert "signed out after a while without activity" in client.get(response["Location"]).content.decode()
    assert client.get("/manage/surveys/").status_code == 302
    assert ChangeRecord.objects.filter(action="auth.logout", details={"reason": "idle"}).exists()


def test_activity_keeps_the_session(client, admin_user, settings):
    settings.SESSION_IDLE_MINUTES = 30
    client.post("/login/", {"username": "ada", "password": TEST_PASSWORD})
    _age_session(client, 29 * 60)
    assert client.get("/manage/surveys/").status_code == 200
    assert int(time.time()) - client.session[SEEN_KEY] < 5  # refreshed
    assert client.get("/manage/surveys/").status_code == 200


def test_the_session_is_written_at_most_once_a_minute(client, admin_user):
    client.post("/login/", {"username": "ada", "password": TEST_PASSWORD})
    client.get("/dashboard/")  # settles the first writes after signing in
    key = client.session.session_key
    before = Session.objects.get(session_key=key).session_data
    with CaptureQueriesContext(connection) as queries:
        for _ in range(10):
            client.get("/manage/surveys/")
    writes = [q["sql"] for q in queries if "django_session" in q["sql"] and q["sql"].startswith("UPDATE")]
    assert writes == []
    assert Session.objects.get(session_key=key).session_data == before
    _age_session(client, 61)
    with CaptureQueriesContext(connection) as queries:
        client.get("/manage/surveys/")
    assert any("django_session" in q["sql"] and q["sql"].startswith("UPDATE") for q in queries)
