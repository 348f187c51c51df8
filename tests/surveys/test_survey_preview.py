"""The editor's preview: the real customer page with a sample agent, in any of the survey's
languages, for saved versions and for unsaved changes; nothing is ever stored."""

import pytest

from surveys.models import Interaction, Invitation, Response, Survey, SurveyTranslation
from surveys.versions import snapshot
from tests.factories import SurveyFactory, SurveyQuestionFactory
from tests.surveys.editor_helpers import editor_data, row_prefix

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    survey = SurveyFactory()
    SurveyTranslation.objects.create(survey=survey, language="en", company_question="Would you recommend {company}?")
    SurveyTranslation.objects.create(
        survey=survey, language="id", company_question="Apakah Anda akan merekomendasikan {company}?"
    )
    SurveyQuestionFactory(survey=survey, key="csat_1", text={"en": "Satisfied?", "id": "Puas dengan jawabannya?"})
    snapshot(survey)
    return survey


def nothing_stored() -> bool:
    return not (Interaction.objects.exists() or Invitation.objects.exists() or Response.objects.exists())


def test_the_preview_shows_the_customer_page_in_the_chosen_language(staff_client, survey):
    reply = staff_client.get(f"/manage/surveys/{survey.pk}/preview/", {"lang": "id"})

    html = reply.content.decode()
    assert reply.status_code == 200
    assert '<html lang="id">' in html
    assert "Apakah Anda akan merekomendasikan Acme Support?" in html
    assert "Seberapa besar kemungkinan Anda merekomendasikan Alex" in html  # built-in wording, sample agent
    assert "Puas dengan jawabannya?" in html and "1 = sangat tidak puas" in html
    assert "answers sent from here are checked but never stored" in html
    assert 'hreflang="es"' in html and 'hreflang="en"' in html, "a language switcher"
    assert nothing_stored()


def test_the_preview_can_be_framed_by_the_editor_only(staff_client, survey):
    reply = staff_client.get(f"/manage/surveys/{survey.pk}/preview/")

    assert reply["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in reply["Content-Security-Policy"]
    assert "unsafe-inline" not in reply["Content-Security-Policy"]


def test_answers_sent_from_the_preview_are_checked_and_never_stored(staff_client, survey):
    url = f"/manage/surveys/{survey.pk}/preview/?lang=en"

    wrong = staff_client.post(url, {"company_score": "11"})
    right = staff_client.post(url, {"company_score": "9", "agent_score": "8", "q_csat_1": "4"})

    assert wrong.status_code == 400 and "Please choose a score from 0 to 10." in wrong.content.decode()
    assert right.status_code == 200 and "These answers are valid." in right.content.decode()
    assert nothing_stored()


def test_unsaved_changes_are_previewed_without_being_saved(staff_client, survey):
    data = editor_data(staff_client, f"/manage/surveys/{survey.pk}/")
    data[f"{row_prefix(data, 'translations', 'id')}-why_prompt"] = "Ceritakan lebih lanjut"
    data["accent_colour"] = "#7c2d12"
    data.update({"_editor": "1", "preview_language": "id"})

    reply = staff_client.post(f"/manage/surveys/{survey.pk}/preview/", data)

    html = reply.content.decode()
    assert reply.status_code == 200
    assert "Ceritakan lebih lanjut" in html and "your unsaved changes" in html
    assert 'href="/s/theme.css?accent=7c2d12"' in html
    assert SurveyTranslation.objects.get(survey=survey, language="id").why_prompt == ""
    assert survey.versions.count() == 1
    assert Survey.objects.get(pk=survey.pk).accent_colour == ""


def test_a_new_survey_can_be_previewed_before_it_exists(staff_client):
    data = editor_data(staff_client, "/manage/surveys/new/")
    data.update({"name": "Draft", "_editor": "1", "preview_language": "es"})

    reply = staff_client.post("/manage/surveys/new/preview/", data)

    assert "¿Qué tan probable es que recomiende a Alex" in reply.content.decode()
    assert not Survey.objects.filter(name="Draft").exists()


def test_an_earlier_version_can_be_previewed(staff_client, survey):
    SurveyTranslation.objects.filter(survey=survey, language="en").update(company_question="Changed?")
    snapshot(survey)

    old = staff_client.get(f"/manage/surveys/{survey.pk}/preview/", {"version": 1, "lang": "en"}).content.decode()
    new = staff_client.get(f"/manage/surveys/{survey.pk}/preview/", {"lang": "en"}).content.decode()

    assert "Would you recommend Acme Support?" in old and "version 1" in old
    assert "Changed?" in new and "version 2" in new


def test_branding_shows_on_the_customer_page(client, survey):
    from tests.factories import InvitationFactory

    Survey.objects.filter(pk=survey.pk).update(
        display_name="Acme Bank",
        accent_colour="#7c2d12",
        logo_url="https://cdn.example.com/acme.svg",
        privacy_url="https://acme.example.com/privacy",
    )
    invitation = InvitationFactory(interaction__survey=survey)

    reply = client.get(f"/s/{invitation.token}/")

    html = reply.content.decode()
    assert '<span class="brand-name">Acme Bank</span>' in html
    assert "Would you recommend Acme Bank?" in html
    assert '<img class="brand-logo" src="https://cdn.example.com/acme.svg" alt="">' in html
    assert '<a href="https://acme.example.com/privacy" rel="noopener">Privacy notice</a>' in html
    assert "img-src 'self' data: https://cdn.example.com;" in reply["Content-Security-Policy"]
    theme = client.get("/s/theme.css?accent=7c2d12")
    assert theme.status_code == 200 and theme["Content-Type"].startswith("text/css")
    assert "--accent: #7c2d12;" in theme.content.decode()


@pytest.mark.parametrize("accent", ["ffff00", "zzzzzz", "", "7c2d12;}body{display:none"])
def test_the_theme_refuses_unreadable_or_malformed_colours(client, accent):
    assert client.get("/s/theme.css", {"accent": accent}).status_code == 404
