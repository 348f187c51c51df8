"""`manage.py seed_demo` ends with the demo logins: the alerts about the demo's detractor
cases are held back instead of printed by the console mail backend above them."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)  # the alerts are sent after commit, as in `make run`
def test_the_demo_logins_are_the_last_lines_and_no_alert_email_is_printed(settings, capsys):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"  # as `make run` has it
    out = StringIO()
    call_command("seed_demo", "--interactions", "3000", stdout=out)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    assert lines[-5].startswith("Demo logins:")
    assert lines[-4].split() == ["user", "password", "role"]
    assert [line.split()[0] for line in lines[-3:]] == ["admin", "supervisor", "agent"]
    held = next(line for line in lines if line.startswith("Held back"))
    assert int(held.split()[2]) > 0  # the sweep did alert about the demo's cases
    console = capsys.readouterr().out
    assert "Subject:" not in console and "Open the case" not in console


def test_a_tests_own_outbox_is_left_as_it_was(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    mail.outbox = ["earlier"]
    call_command("seed_demo", "--interactions", "3000", stdout=StringIO())
    assert mail.outbox == ["earlier"]
