"""Lockout (DESIGN.md): 10 failed sign-ins for one username within 15 minutes lock it for
15 minutes; the page says why and until when; the right password does not open it; an
admin can unlock it; every step is in the audit log."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from privacy.models import ChangeRecord
from tests.accounts.helpers import make_user
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def _fail(client, username: str, times: int, *, address: str = "203.0.113.5"):
    for _ in range(times):
        response = client.post("/login/", {"username": username, "password": "wrong"}, REMOTE_ADDR=address)
    return response


@pytest.fixture
def bob(db):
    return make_user("bob")


def test_nine_failures_still_let_the_right_password_in(client, bob):
    response = _fail(client, "bob", 9)
    assert response.status_code == 200  # the form again, with its error
    response = client.post("/login/", {"username": "bob", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_the_tenth_failure_locks_and_says_until_when(client, bob):
    before = timezone.now()
    response = _fail(client, "bob", 10)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in locked" in page
    assert "10 failed sign-ins for this username within 15 minutes" in page
    assert "Try again in 15 minutes" in page
    assert 14 * 60 <= int(response["Retry-After"]) <= 15 * 60
    assert f'datetime="{timezone.localtime(before + timedelta(minutes=15)):%Y-%m-%dT%H:%M}' in page
    entry = ChangeRecord.objects.get(action="auth.locked_out")
    assert entry.target_repr == "bob"
    assert entry.ip_address == "203.0.113.5"


def test_the_right_password_is_refused_during_the_lockout(client, bob):
    _fail(client, "bob", 10)
    response = client.post("/login/", {"username": "bob", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/dashboard/").status_code == 302  # still signed out


def test_failures_from_many_addresses_count_for_the_one_username(client, bob):
    for n in range(10):
        client.post("/login/", {"username": "bob", "password": "wrong"}, REMOTE_ADDR=f"198.51.100.{n}")
    response = client.post("/login/", {"username": "bob", "password": TEST_PASSWORD}, REMOTE_ADDR="192.0.2.77")
    assert response.status_code == 429


def test_another_username_is_not_locked(client, bob):
    make_user("carol")
    _fail(client, "bob", 10)
    response = client.post("/login/", {"username": "carol", "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_failures_during_the_lockout_do_not_extend_it(client, bob):
    _fail(client, "bob", 10)
    last = AccessAttempt.objects.get(username="bob").attempt_time
    _fail(client, "bob", 5)
    assert AccessAttempt.objects.get(username="bob").attempt_time == last
    assert ChangeRecord.objects.filter(action="auth.locked_out").count() == 1


def test_the_lockout_ends_after_fifteen_minutes(client, bob):
    _fail(client, "bob", 10)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))
    response = client.post("/login/", {"username": "bob", "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_failures_older_than_the_window_do_not_count(client, bob):
    _fail(client, "bob", 9)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    response = _fail(client, "bob", 1)
    assert response.status_code == 200


def test_an_admin_sees_the_lock_and_unlocks_it(client, bob, admin_user):
    _fail(client, "bob", 10)
    client.force_login(admin_user)
    page = client.get("/manage/users/").content.decode()
    assert "Locked sign-ins" in page
    assert 'value="bob"' in page
    response = client.post("/manage/users/unlock/", {"username": "bob"}, REMOTE_ADDR="192.0.2.9")
    assert response.status_code == 302
    assert "Locked sign-ins" not in client.get("/manage/users/").content.decode()
    entry = ChangeRecord.objects.get(action="user.unlocked")
    assert (entry.actor_name, entry.target_repr, entry.ip_address) == ("ada", "bob", "192.0.2.9")
    client.logout()
    assert client.post("/login/", {"username": "bob", "password": TEST_PASSWORD}).status_code == 302


def test_unlocking_a_username_that_is_not_locked_says_so(client, admin_user):
    client.force_login(admin_user)
    response = client.post("/manage/users/unlock/", {"username": "nobody"}, follow=True)
    assert "“nobody” is not locked." in response.content.decode()
    assert not ChangeRecord.objects.filter(action="user.unlocked").exists()


def test_only_admins_unlock(client, bob):
    _fail(client, "bob", 10)
    supervisor = make_user("sup")
    client.force_login(supervisor)
    assert client.post("/manage/users/unlock/", {"username": "bob"}).status_code == 403
    assert AccessAttempt.objects.filter(username="bob").exists()


def test_the_django_admin_login_is_locked_too(client, bob):
    _fail(client, "bob", 10)
    response = client.post("/admin/login/", {"username": "bob", "password": TEST_PASSWORD})
    assert response.status_code == 429


def test_sign_in_and_out_are_audited(client, bob):
    client.post("/login/", {"username": "bob", "password": TEST_PASSWORD}, REMOTE_ADDR="192.0.2.1")
    client.post("/logout/")
    actions = list(ChangeRecord.objects.order_by("pk").values_list("action", "actor_name", "ip_address"))
    assert actions == [("auth.login", "bob", "192.0.2.1"), ("auth.logout", "bob", "127.0.0.1")]
