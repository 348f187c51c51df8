"""Break-glass: with local passwords off, a superuser still gets in through a one-time link
made on the server (`manage.py breakglass_login`)."""

import pytest
from django.core.management import CommandError, call_command

from privacy.models import ChangeRecord
from tests.accounts.helpers import make_user

pytestmark = pytest.mark.django_db


def test_the_link_signs_a_superuser_in_once(client, settings, capsys):
    settings.LOCAL_LOGIN_ENABLED = False
    settings.PUBLIC_BASE_URL = "https://nps.example.com"
    make_user("root", is_superuser=True, is_staff=True)
    call_command("breakglass_login", "root")
    link = capsys.readouterr().out.strip()
    assert link.startswith("https://nps.example.com/login/break-glass/")
    path = link.removeprefix("https://nps.example.com")
    assert "Sign in as root" in client.get(path).content.decode()  # a GET alone signs nobody in
    assert "_auth_user_id" not in client.session
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert client.get("/manage/surveys/").status_code == 200
    assert ChangeRecord.objects.get(action="auth.login").details == {"via": "break-glass"}
    client.post("/logout/")
    assert client.post(path).status_code == 400  # used
    assert "_auth_user_id" not in client.session


def test_only_superusers_get_a_link(db):
    make_user("ada", is_staff=True)
    with pytest.raises(CommandError, match="Only an active superuser"):
        call_command("breakglass_login", "ada")


def test_a_changed_link_is_refused(client):
    response = client.post("/login/break-glass/eyJ1IjoxfQ:forged:signature/")
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
