"""TOTP second factor for admins: set up with a QR code (SVG) or the key, asked after the
password, backup codes that work once, required for admins when the setting says so."""

import re

import pytest
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from privacy.models import ChangeRecord
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice, *, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def set_up(client, user) -> tuple[TOTPDevice, list[str]]:
    client.post("/login/", {"username": user.username, "password": TEST_PASSWORD})
    page = client.get("/account/two-factor/").content.decode()
    assert "<svg" in page and "otpauth://totp/NPS%20Desk%3Aada?secret=" in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = re.search(r'<code class="otp-secret">([A-Z2-7]+)</code>', page).group(1)
    assert len(secret) == 32
    response = client.post("/account/two-factor/", {"action": "confirm", "code": code_for(device)})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>(\w+)</code></li>", response.content.decode())
    device.refresh_from_db()
    return device, codes


def test_without_a_device_the_password_is_enough(client, admin_user):
    client.post("/login/", {"username": "ada", "password": TEST_PASSWORD})
    assert client.get("/manage/surveys/").status_code == 200


def test_setting_up_then_signing_in_asks_for_the_code(client, admin_user):
    device, codes = set_up(client, admin_user)
    assert device.confirmed and len(codes) == 10
    assert ChangeRecord.objects.filter(action="user.2fa_enabled", actor_name="ada").exists()
    client.post("/logout/")
    response = client.post("/login/", {"username": "ada", "password": TEST_PASSWORD, "next": "/manage/surveys/"})
    assert response.status_code == 302
    blocked = client.get("/manage/surveys/")
    assert blocked.status_code == 302
    assert blocked["Location"].startswith("/account/two-factor/verify/?next=/manage/surveys/")
    wrong = client.post("/account/two-factor/verify/", {"code": "000000", "next": "/manage/surveys/"})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0  # django-otp slows down guesses; this test is not about that
    device.throttling_failure_timestamp = None
    device.save()
    ok = client.post("/account/two-factor/verify/", {"code": code_for(device, offset=1), "next": "/manage/surveys/"})
    assert ok.status_code == 302 and ok["Location"] == "/manage/surveys/"
    assert client.get("/manage/surveys/").status_code == 200


def test_a_backup_code_works_once(client, admin_user):
    _device, codes = set_up(client, admin_user)
    for attempt in range(2):
        client.post("/logout/")
        client.post("/login/", {"username": "ada", "password": TEST_PASSWORD})
        response = client.post("/account/two-factor/verify/", {"code": codes[0]})
        assert response.status_code == (302 if attempt == 0 else 400)
    assert ChangeRecord.objects.filter(action="user.2fa_backup_code_used").count() == 1


def test_required_for_admins_sends_them_to_set_it_up(client, admin_user, settings):
    settings.OTP_REQUIRED_FOR_ADMINS = True
    client.post("/login/", {"username": "ada", "password": TEST_PASSWORD})
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"] == "/account/two-factor/"
    page = client.get("/account/two-factor/").content.decode()
    assert "Admins on this server sign in with a password and a code" in page


def test_required_does_not_touch_supervisors(client, settings):
    from tests.accounts.helpers import make_user

    settings.OTP_REQUIRED_FOR_ADMINS = True
    make_user("sup")
    client.post("/login/", {"username": "sup", "password": TEST_PASSWORD})
    assert client.get("/account/two-factor/verify/").status_code == 302
    assert client.get("/dashboard/").status_code in (200, 403)  # no role is the dashboard's business


def test_recovery_by_command_switches_it_off(client, admin_user, capsys):
    set_up(client, admin_user)
    call_command("otp_reset", "ada")
    assert "switched off" in capsys.readouterr().out
    client.post("/logout/")
    client.post("/login/", {"username": "ada", "password": TEST_PASSWORD})
    assert client.get("/manage/surveys/").status_code == 200
    assert ChangeRecord.objects.filter(action="user.2fa_removed", actor_name="").exists()


def test_signing_in_again_in_the_same_session_asks_for_the_code(client, admin_user):
    """A session that once saw no second factor does not skip it after the next sign-in."""
    client.post("/login/", {"username": "ada", "password": TEST_PASSWORD})
    client.get("/manage/surveys/")  # remembered: no device
    device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    assert device.pk
    client.force_login(admin_user)  # the same user signing in again keeps the session's data
    assert client.get("/manage/surveys/").status_code == 302
