"""The invitation email a customer receives after an interaction."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail

from surveys.models import Invitation
from tests.factories import SurveyFactory

pytestmark = pytest.mark.django_db

INDONESIAN_CATALOG = Path(settings.BASE_DIR) / "locale" / "id" / "LC_MESSAGES" / "django.mo"


@pytest.fixture
def post_interaction(api, django_capture_on_commit_callbacks):
    """Report an interaction through the API and run what happens after its commit."""

    def post(external_id: str, **customer):
        with django_capture_on_commit_callbacks(execute=True):
            reply = api.post(
                "/api/v1/interactions/",
                {
                    "external_id": external_id,
                    "channel": "chat",
                    "agent": "agent-7",
                    "agent_name": "Budi Santoso",
                    "customer": customer,
                },
                format="json",
            )
        assert reply.status_code == 201, reply.content
        return reply.json()

    return post


def html_of(message: mail.EmailMultiAlternatives) -> str:
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    return html


def test_customer_gets_a_text_and_html_invitation_naming_the_agent(post_interaction):
    body = post_interaction("chat-1", email="sari@example.com", name="Sari", language="en")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    link = body["invitation"]["url"]
    assert message.to == ["sari@example.com"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert "Budi" in message.subject
    assert len(message.alternatives) == 1
    for text in (message.body, html_of(message)):
        assert link in text
        assert "Budi" in text
        assert "Santoso" not in text  # the first name only
        assert "Sari" in text

    invitation = Invitation.objects.get(interaction__external_id="chat-1")
    assert invitation.status == Invitation.Status.SENT
    assert invitation.sent_at is not None
    assert invitation.attempts == 1
    assert invitation.last_error == ""


def test_the_api_answer_reports_the_invitation_as_sent(post_interaction, api):
    post_interaction("chat-2", email="sari@example.com")

    again = api.post(
        "/api/v1/interactions/",
        {"external_id": "chat-2", "channel": "chat", "agent": "agent-7", "customer": {"email": "sari@example.com"}},
        format="json",
    )
    assert again.status_code == 200
    assert again.json()["invitation"]["status"] == "sent"


def test_email_is_marked_with_the_customers_language(post_interaction):
    post_interaction("chat-3", email="sari@example.com", language="id-ID")
    post_interaction("chat-4", email="dana@example.com", language="es")

    indonesian, spanish = mail.outbox
    assert indonesian.extra_headers["Content-Language"] == "id"
    assert '<html lang="id">' in html_of(indonesian)
    assert spanish.extra_headers["Content-Language"] == "es"
    assert '<html lang="es">' in html_of(spanish)
    # What goes over the wire carries the header too.
    assert "Content-Language: id" in indonesian.message().as_string()


def test_customer_without_a_language_gets_the_surveys_language(post_interaction):
    SurveyFactory(default_language="es")
    post_interaction("chat-5", email="sari@example.com")

    (message,) = mail.outbox
    assert message.extra_headers["Content-Language"] == "es"
    assert '<html lang="es">' in html_of(message)


@pytest.mark.skipif(not INDONESIAN_CATALOG.exists(), reason="Indonesian translations not compiled yet")
def test_indonesian_customer_reads_indonesian_words(post_interaction):
    post_interaction("chat-6", email="sari@example.com", language="en")
    post_interaction("chat-7", email="dana@example.com", language="id")

    english, indonesian = mail.outbox
    assert indonesian.subject != english.subject
    assert "Thank you for contacting" in english.body
    assert "Thank you for contacting" not in indonesian.body
    assert "Budi" in indonesian.subject
