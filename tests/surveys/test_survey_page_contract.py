"""The public survey page /s/<token>/ (DESIGN.md contract): every way a customer can arrive
gets a clear page with a 4xx status, never a duplicate row or a stack trace."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from surveys.models import WHY_MAX_LENGTH, Invitation, Response
from tests.factories import AgentFactory, InvitationFactory

pytestmark = pytest.mark.django_db

GOOD = {"company_score": "9", "agent_score": "10", "why": ""}


@pytest.fixture
def invitation():
    return InvitationFactory(interaction__agent=AgentFactory(name="Budi Santoso"))


def path(invitation) -> str:
    return f"/s/{invitation.token}/"


def text(reply) -> str:
    return reply.content.decode()


def assert_no_stack_trace(reply) -> None:
    assert "Traceback" not in text(reply)
    assert reply["Content-Type"].startswith("text/html")


def status_of(invitation) -> str:
    return Invitation.objects.get(pk=invitation.pk).status


# --- Arriving -----------------------------------------------------------------------------


def test_the_page_asks_both_questions_with_a_form(client, invitation):
    reply = client.get(path(invitation))

    assert reply.status_code == 200
    assert 'name="company_score"' in text(reply) and 'name="agent_score"' in text(reply)
    assert 'name="why"' in text(reply)
    assert "Budi" in text(reply)


def test_opening_the_link_records_when_and_marks_it_opened(client, invitation):
    before = timezone.now()
    client.get(path(invitation))
    first = Invitation.objects.get(pk=invitation.pk)
    client.get(path(invitation))

    assert first.status == "opened"
    assert before <= first.opened_at <= timezone.now()
    assert Invitation.objects.get(pk=invitation.pk).opened_at == first.opened_at, "the first opening counts"


def test_an_unknown_token_gets_the_not_found_page(client):
    reply = client.get("/s/" + "A" * 43 + "/")

    assert reply.status_code == 404
    assert "Link not found" in text(reply)
    assert_no_stack_trace(reply)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_token_gets_the_not_found_page(client, invitation, method):
    token = invitation.token
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    reply = getattr(client, method)(f"/s/{tampered}/", GOOD if method == "post" else None)

    assert reply.status_code == 404
    assert "Link not found" in text(reply)
    assert not Response.objects.exists()


@pytest.mark.parametrize("token", ["short", "x" * 44, "%00" * 43, "'; DROP TABLE x; --" + "a" * 24, "é" * 43])
def test_a_malformed_token_gets_the_not_found_page(client, token):
    reply = client.get(f"/s/{token}/")

    assert reply.status_code == 404
    assert_no_stack_trace(reply)


def test_the_thank_you_page_of_an_unknown_link_is_not_found(client):
    assert client.get("/s/" + "A" * 43 + "/thanks/").status_code == 404


# --- Expired and answered links -----------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_link_gets_the_closed_page_and_is_marked_expired(client, method):
    expired = InvitationFactory(expires_at=timezone.now() - timedelta(seconds=1))

    reply = getattr(client, method)(path(expired), GOOD if method == "post" else None)

    assert reply.status_code == 410
    assert "This survey has closed" in text(reply)
    assert_no_stack_trace(reply)
    assert status_of(expired) == "expired"
    assert not Response.objects.exists()


def test_an_answer_is_stored_once_and_thanked(client, invitation):
    reply = client.post(path(invitation), {"company_score": "0", "agent_score": "10", "why": "Slow, but Budi was kind"})

    assert reply.status_code == 302
    assert reply["Location"] == f"/s/{invitation.token}/thanks/"
    stored = Response.objects.get()
    assert (stored.company_score, stored.agent_score, stored.why) == (0, 10, "Slow, but Budi was kind")
    assert (stored.agent, stored.department) == (invitation.interaction.agent, invitation.interaction.department)
    answered = Invitation.objects.get(pk=invitation.pk)
    assert answered.status == "answered" and answered.answered_at is not None
    thanks = client.get(reply["Location"])
    assert thanks.status_code == 200 and "Thank you!" in text(thanks)


def test_a_second_submission_gets_the_already_answered_page(client, invitation):
    client.post(path(invitation), GOOD)

    again = client.post(path(invitation), {"company_score": "1", "agent_score": "1", "why": "changed my mind"})

    assert again.status_code == 409
    assert "You have already answered" in text(again)
    assert_no_stack_trace(again)
    assert Response.objects.get().company_score == 9


def test_opening_an_answered_link_says_it_was_answered(client, invitation):
    client.post(path(invitation), GOOD)

    reply = client.get(path(invitation))

    assert reply.status_code == 409
    assert "You have already answered" in text(reply)
    assert 'name="company_score"' not in text(reply)


def test_an_answered_link_does_not_expire_into_a_different_page(client, invitation):
    client.post(path(invitation), GOOD)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(days=1))

    reply = client.get(path(invitation))

    assert reply.status_code == 409
    assert status_of(invitation) == "answered"


# --- Bad answers: the form again, with a message, nothing stored --------------------------

BAD_SCORES = {
    "company above 10": {"company_score": "11", "agent_score": "9"},
    "agent below 0": {"company_score": "9", "agent_score": "-1"},
    "fraction": {"company_score": "9.5", "agent_score": "9"},
    "not a number": {"company_score": "nine", "agent_score": "9"},
    "huge number": {"company_score": "9" * 50, "agent_score": "9"},
    "empty": {"company_score": "", "agent_score": "9"},
    "company missing": {"agent_score": "9"},
    "agent missing": {"company_score": "9"},
    "both missing": {},
}


@pytest.mark.parametrize("answers", BAD_SCORES.values(), ids=BAD_SCORES.keys())
def test_a_bad_score_shows_the_form_again_with_an_error(client, invitation, answers):
    reply = client.post(path(invitation), {**answers, "why": "kept"})

    assert reply.status_code == 400
    assert "Please check your answers" in text(reply)
    assert "Choose a score from 0 to 10" in text(reply)
    assert 'name="company_score"' in text(reply)
    assert "kept" in text(reply), "what the customer wrote is not lost"
    assert_no_stack_trace(reply)
    assert not Response.objects.exists()
    assert status_of(invitation) != "answered"


def test_a_why_over_5000_characters_is_refused(client, invitation):
    reply = client.post(path(invitation), {**GOOD, "why": "x" * (WHY_MAX_LENGTH + 1)})

    assert reply.status_code == 400
    assert f"Please keep your answer to {WHY_MAX_LENGTH} characters or fewer." in text(reply)
    assert not Response.objects.exists()


def test_a_why_of_exactly_5000_characters_is_taken(client, invitation):
    reply = client.post(path(invitation), {**GOOD, "why": "x" * WHY_MAX_LENGTH})

    assert reply.status_code == 302
    assert len(Response.objects.get().why) == WHY_MAX_LENGTH


def test_the_answer_can_be_corrected_after_an_error(client, invitation):
    client.post(path(invitation), {"company_score": "42", "agent_score": "9"})

    reply = client.post(path(invitation), GOOD)

    assert reply.status_code == 302
    assert Response.objects.count() == 1


# --- What customers type is text ----------------------------------------------------------

MARKUP = '<script>alert(\'x\')</script><b onmouseover="steal()">bold</b> & "quotes"'


def test_markup_in_the_why_is_stored_exactly_as_typed(client, invitation):
    client.post(path(invitation), {**GOOD, "why": MARKUP})

    assert Response.objects.get().why == MARKUP


def test_markup_in_the_why_is_escaped_when_the_form_comes_back(client, invitation):
    reply = client.post(path(invitation), {"company_score": "99", "agent_score": "9", "why": MARKUP})

    assert reply.status_code == 400
    assert "<script>alert" not in text(reply)
    assert "<b onmouseover" not in text(reply)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text(reply)
    assert not Response.objects.exists()


# --- Forged posts: the token in the link authorises an answer, the Origin refuses other sites


def test_the_form_needs_no_cookie_and_posts_from_the_page_succeed_with_csrf_checks_on(invitation):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(path(invitation))

    assert "csrftoken" not in browser.cookies and "sessionid" not in browser.cookies
    assert "Set-Cookie" not in page.headers
    reply = browser.post(path(invitation), GOOD, headers={"Origin": "http://testserver"})

    assert reply.status_code == 302
    assert Response.objects.count() == 1


def test_a_post_from_the_public_base_url_is_taken(invitation, settings):
    settings.PUBLIC_BASE_URL = "https://nps.example.com"
    reply = Client(enforce_csrf_checks=True).post(path(invitation), GOOD, headers={"Origin": "https://nps.example.com"})

    assert reply.status_code == 302


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/phish.html"},
        {"Origin": "https://testserver.evil.example", "Referer": "http://testserver/"},
    ],
)
def test_a_post_from_another_site_gets_the_survey_403_page_and_stores_nothing(invitation, headers):
    reply = Client(enforce_csrf_checks=True).post(path(invitation), GOOD, headers=headers)

    assert reply.status_code == 403
    assert "another website" in text(reply)
    assert 'name="company_score"' in text(reply), "the customer can answer right here"
    assert "Forbidden" not in text(reply) and "CSRF" not in text(reply)
    assert_no_stack_trace(reply)
    assert not Response.objects.exists()
    assert status_of(invitation) == "sent"


def test_the_403_page_speaks_the_customers_language(invitation):
    invitation.language = "id"
    invitation.save()

    reply = Client().post(path(invitation), GOOD, headers={"Origin": "https://evil.example"})

    assert reply.status_code == 403
    assert reply["Content-Language"] == "id"
    assert "another website" not in text(reply)


def test_other_methods_are_not_allowed(client, invitation):
    assert client.put(path(invitation), GOOD).status_code == 405
    assert client.delete(path(invitation)).status_code == 405
    assert not Response.objects.exists()
