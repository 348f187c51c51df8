"""The survey page and the thank-you page skip the signed-in users' middleware
(nps_project/public_path.py): a customer's browser still gets every protective header,
no cookie, the page in its language, and an unknown link still answers in the browser's
language."""

import pytest
from django.test import Client

from tests.factories import AgentFactory, InvitationFactory

pytestmark = pytest.mark.django_db


def assert_protected(reply) -> None:
    assert reply["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in reply["Content-Security-Policy"]
    assert "'unsafe-inline'" not in reply["Content-Security-Policy"]
    assert reply["X-Content-Type-Options"] == "nosniff"
    assert reply["Referrer-Policy"] == "same-origin"
    assert "no-store" in reply["Cache-Control"]
    assert reply["X-Request-ID"]
    assert "Accept-Language" in reply["Vary"]
    assert not reply.cookies, "the public page sets no cookie"


def test_the_page_the_answer_and_the_thank_you_page_carry_every_protective_header_and_no_cookie():
    invitation = InvitationFactory(language="id", interaction__agent=AgentFactory(name="Budi Santoso"))
    client = Client()

    page = client.get(f"/s/{invitation.token}/")
    answer = client.post(f"/s/{invitation.token}/", {"company_score": "9", "agent_score": "10", "why": ""})
    thanks = client.get(answer["Location"])

    assert (page.status_code, answer.status_code, thanks.status_code) == (200, 302, 200)
    for reply in (page, thanks):
        assert_protected(reply)
        assert reply["Content-Language"] == "id"
        assert int(reply["Content-Length"]) == len(reply.content)
    assert answer["X-Frame-Options"] == "DENY" and not answer.cookies


def test_an_unknown_link_answers_404_in_the_browsers_language_with_the_same_headers():
    reply = Client().get("/s/" + "A" * 43 + "/", headers={"Accept-Language": "es"})

    assert reply.status_code == 404
    assert_protected(reply)
    assert reply["Content-Language"] == "es"
    assert "Enlace no encontrado" in reply.content.decode()
