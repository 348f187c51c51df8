"""Password reset by email (Django's views, our pages and email in English, Indonesian and
Spanish): the same answer whether or not the address has an account, a link that works
once, and a new password that signs in."""

import re

import pytest

from accounts import lockout
from privacy.models import ChangeRecord
from tests.accounts.helpers import make_user

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https://nps\.example\.com/password-reset/[\w-]+/[\w-]+/")


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.PUBLIC_BASE_URL = "https://nps.example.com"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_the_login_page_links_to_the_reset(client):
    page = client.get("/login/").content.decode()
    assert '<a href="/password-reset/">Forgot your password?</a>' in page


def test_a_known_address_gets_a_link_that_sets_a_new_password(client, outbox):
    make_user("bob", email="bob@example.com")
    response = client.post("/password-reset/", {"email": "BOB@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/password-reset/sent/"
    assert len(outbox) == 1
    mail = outbox[0]
    assert mail.to == ["bob@example.com"]
    assert mail.subject == "Reset your NPS Desk password"
    link = LINK.search(mail.body).group(0)
    assert link in mail.alternatives[0][0]  # the HTML part has the same link
    path = link.removeprefix("https://nps.example.com")
    form_page = client.get(path, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": "a-Long-new-pass-42", "new_password2": "a-Long-new-pass-42"})
    assert response.status_code == 302
    assert response["Location"] == "/password-reset/done/"
    assert client.post("/login/", {"username": "bob", "password": "a-Long-new-pass-42"}).status_code == 302
    assert ChangeRecord.objects.filter(action="user.password_reset", actor_name="bob").exists()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, outbox):
    make_user("bob", email="bob@example.com")
    known = client.post("/password-reset/", {"email": "bob@example.com"}, follow=True)
    unknown = client.post("/password-reset/", {"email": "nobody@example.com"}, follow=True)
    assert unknown.status_code == known.status_code == 200
    assert unknown.redirect_chain == known.redirect_chain
    assert unknown.content == known.content
    assert len(outbox) == 1


def test_the_link_works_once(client, outbox):
    make_user("bob", email="bob@example.com")
    client.post("/password-reset/", {"email": "bob@example.com"})
    path = LINK.search(outbox[0].body).group(0).removeprefix("https://nps.example.com")
    set_url = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": "a-Long-new-pass-42", "new_password2": "a-Long-new-pass-42"})
    again = client.get(path, follow=True)
    assert "This link does not work any more" in again.content.decode()


def test_a_weak_password_is_refused_with_a_reason(client, outbox):
    make_user("bob", email="bob@example.com")
    client.post("/password-reset/", {"email": "bob@example.com"})
    path = LINK.search(outbox[0].body).group(0).removeprefix("https://nps.example.com")
    set_url = client.get(path, follow=True).redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()


def test_a_bad_email_is_a_clear_error_not_a_500(client):
    response = client.post("/password-reset/", {"email": "not an email"})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()


def test_a_new_password_ends_a_lockout(client, outbox):
    make_user("bob", email="bob@example.com")
    for _ in range(10):
        client.post("/login/", {"username": "bob", "password": "wrong"})
    assert lockout.locked_until("bob") is not None
    client.post("/password-reset/", {"email": "bob@example.com"})
    path = LINK.search(outbox[0].body).group(0).removeprefix("https://nps.example.com")
    set_url = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": "a-Long-new-pass-42", "new_password2": "a-Long-new-pass-42"})
    assert lockout.locked_until("bob") is None
    assert client.post("/login/", {"username": "bob", "password": "a-Long-new-pass-42"}).status_code == 302


@pytest.mark.parametrize(
    ("language", "page_text", "subject", "body_text"),
    [
        (
            "id",
            "Atur ulang kata sandi",
            "Atur ulang kata sandi NPS Desk Anda",
            "Tautan ini hanya berlaku sekali",
        ),
        (
            "es",
            "Restablecer la contraseña",
            "Restablece tu contraseña de NPS Desk",
            "El enlace funciona una sola vez",
        ),
    ],
)
def test_pages_and_email_follow_the_browser_language(client, outbox, language, page_text, subject, body_text):
    make_user("bob", email="bob@example.com")
    page = client.get("/password-reset/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<html lang="{language}">' in page
    assert page_text in page
    client.post("/password-reset/", {"email": "bob@example.com"}, HTTP_ACCEPT_LANGUAGE=language)
    assert outbox[0].subject == subject
    assert body_text in outbox[0].body
    login = client.get("/login/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert {"id": "Lupa kata sandi?", "es": "¿Olvidaste tu contraseña?"}[language] in login


def test_reset_is_gone_when_local_passwords_are_off(client, settings):
    settings.LOCAL_LOGIN_ENABLED = False
    assert client.get("/password-reset/").status_code == 404
    assert client.post("/password-reset/", {"email": "bob@example.com"}).status_code == 404
