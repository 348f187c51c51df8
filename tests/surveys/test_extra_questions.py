"""Extra questions on the customer's page (CSAT 1–5, CES 1–7, yes/no, short text): asked after
the two NPS questions, accessible, checked on the server, stored by their stable key; a bad
answer stores nothing and gets a 400 with the message next to the question."""

import re

import pytest

from surveys.models import Invitation, Response
from surveys.versions import snapshot
from tests.factories import AgentFactory, InvitationFactory, SurveyFactory, SurveyQuestionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation():
    survey = SurveyFactory()
    SurveyQuestionFactory(
        survey=survey, key="csat_1", kind="csat", required=True, text={"en": "How satisfied are you?", "id": "Puas?"}
    )
    SurveyQuestionFactory(survey=survey, key="ces_1", kind="ces", text={"en": "How easy was it to get help?"})
    SurveyQuestionFactory(survey=survey, key="solved", kind="yes_no", text={"en": "Was your problem solved?"})
    SurveyQuestionFactory(survey=survey, key="text_1", kind="text", text={"en": "Anything {agent} should know?"})
    version = snapshot(survey)
    return InvitationFactory(
        interaction__survey=survey, interaction__agent=AgentFactory(name="Budi Santoso"), survey_version=version
    )


def page(reply) -> str:
    return reply.content.decode()


NPS = {"company_score": "9", "agent_score": "10"}


def test_the_extra_questions_are_asked_after_the_nps_questions_in_accessible_groups(client, invitation):
    html = page(client.get(f"/s/{invitation.token}/"))

    assert "<h1>A few quick questions</h1>" in html
    order = [html.index(marker) for marker in ('id="agent_score-field"', 'id="q_csat_1-field"', 'id="why-input"')]
    assert order == sorted(order)
    csat = re.search(r'<fieldset class="scale extra csat"[^>]*>(.*?)</fieldset>', html, re.S).group(1)
    assert "<legend" in csat and "How satisfied are you?" in csat
    assert re.findall(r'type="radio" id="q_csat_1-(\d)"', csat) == ["1", "2", "3", "4", "5"]
    assert "1 = very dissatisfied" in csat and "5 = very satisfied" in csat
    ces = re.search(r'<fieldset class="scale extra ces"[^>]*>(.*?)</fieldset>', html, re.S).group(1)
    assert len(re.findall(r'type="radio"', ces)) == 7 and "7 = very easy" in ces
    assert "(optional)" in ces and "(optional)" not in csat
    assert '<label class="scale-label" for="q_solved-yes">Yes</label>' in html
    assert '<label class="question" for="q_text_1-input">Anything Budi should know?' in html


def test_extra_answers_are_stored_by_their_key(client, invitation):
    reply = client.post(
        f"/s/{invitation.token}/",
        {**NPS, "q_csat_1": "4", "q_ces_1": "6", "q_solved": "no", "q_text_1": " Call me back ", "q_other": "x"},
    )

    assert reply.status_code == 302
    stored = Response.objects.get()
    assert stored.extra_answers == {"csat_1": 4, "ces_1": 6, "solved": False, "text_1": "Call me back"}
    assert stored.survey_version == invitation.survey_version


def test_optional_questions_left_blank_are_left_out(client, invitation):
    assert client.post(f"/s/{invitation.token}/", {**NPS, "q_csat_1": "5"}).status_code == 302
    assert Response.objects.get().extra_answers == {"csat_1": 5}


BAD = {
    "required CSAT missing": ({}, "q_csat_1", "Please choose an answer from 1 to 5."),
    "CSAT above 5": ({"q_csat_1": "6"}, "q_csat_1", "Please choose an answer from 1 to 5."),
    "CSAT of 0": ({"q_csat_1": "0"}, "q_csat_1", "Please choose an answer from 1 to 5."),
    "CES of 8": ({"q_csat_1": "3", "q_ces_1": "8"}, "q_ces_1", "Please choose an answer from 1 to 7."),
    "CES not a number": ({"q_csat_1": "3", "q_ces_1": "easy"}, "q_ces_1", "Please choose an answer from 1 to 7."),
    "yes/no neither": ({"q_csat_1": "3", "q_solved": "maybe"}, "q_solved", "Please answer yes or no."),
    "text too long": (
        {"q_csat_1": "3", "q_text_1": "x" * 501},
        "q_text_1",
        "Please keep your answer to 500 characters or fewer.",
    ),
}


@pytest.mark.parametrize(("answers", "field", "message"), BAD.values(), ids=BAD.keys())
def test_a_bad_extra_answer_stores_nothing_and_says_what_to_fix(client, invitation, answers, field, message):
    reply = client.post(f"/s/{invitation.token}/", {**NPS, "why": "Kept", **answers})

    assert reply.status_code == 400
    html = page(reply)
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in html
    assert f'<a href="#{field}-field">{message}</a>' in html, "listed in the error summary"
    assert "Kept" in html, "what the customer typed is kept"
    assert not Response.objects.exists()
    invitation.refresh_from_db()
    assert invitation.status != Invitation.Status.ANSWERED


def test_the_scale_ends_and_messages_speak_the_customers_language(client, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(language="id")

    html = page(client.post(f"/s/{invitation.token}/", {**NPS, "q_csat_1": "9"}))

    assert "Puas?" in html
    assert "1 = sangat tidak puas" in html and "7 = sangat mudah" in html
    assert "Silakan pilih jawaban dari 1 sampai 5." in html
    assert "Beberapa pertanyaan singkat" in html and "(opsional)" in html
    assert 'lang="en">How easy was it to get help?' in html, "a question without Indonesian text says it is English"


def test_without_extra_questions_the_page_is_the_two_question_page(client):
    invitation = InvitationFactory()
    html = page(client.get(f"/s/{invitation.token}/"))
    assert "Two quick questions" in html and "q_" not in html


def test_the_invitation_does_not_promise_two_questions_when_there_are_more(django_capture_on_commit_callbacks):
    from django.core import mail

    from surveys.services import InteractionInput, record_interaction

    survey = SurveyFactory()
    SurveyQuestionFactory(survey=survey, key="csat_1")
    snapshot(survey)

    with django_capture_on_commit_callbacks(execute=True):
        record_interaction(
            InteractionInput(
                external_id="chat-1", channel="chat", agent="a-1", agent_name="Budi", customer_email="sari@example.com"
            )
        )

    (message,) = mail.outbox
    assert message.subject == "How did Budi do? A few quick questions from Acme Support"
    assert "A few quick questions, about a minute:" in message.body
    assert "Two quick questions" not in message.body + message.alternatives[0][0]
