"""The Django admin lists and searches the survey loop's data, and edits the survey wording."""

import re

import pytest
from django.contrib.auth import get_user_model

from surveys.models import Interaction, Response, SurveyTranslation
from surveys.services_tokens import create_api_token
from tests.factories import AgentFactory, DepartmentFactory, InvitationFactory, ResponseFactory, SurveyFactory

pytestmark = pytest.mark.django_db

CHANGELISTS = {
    "departments": ("/admin/agents/department/", "billing"),
    "agents": ("/admin/agents/agent/", "Budi"),
    "surveys": ("/admin/surveys/survey/", "Default"),
    "interactions": ("/admin/surveys/interaction/", "call-42"),
    "invitations": ("/admin/surveys/invitation/", "sari@example.com"),
    "responses": ("/admin/surveys/response/", "friendly"),
    "API tokens": ("/admin/surveys/apitoken/", "zendesk"),
}


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-123")
    client.force_login(user)
    return client


@pytest.fixture
def loop_data(api_key):
    """One of everything, as the loop creates it."""
    create_api_token(name="zendesk")
    agent = AgentFactory(name="Budi Santoso", department=DepartmentFactory(code="billing", name="Billing"))
    ResponseFactory(
        invitation__interaction__external_id="call-42",
        invitation__interaction__agent=agent,
        invitation__interaction__customer_email="sari@example.com",
        why="Very friendly <b>agent</b>",
    )
    InvitationFactory(interaction__agent=agent)


@pytest.mark.parametrize(("url", "query"), CHANGELISTS.values(), ids=CHANGELISTS.keys())
def test_each_changelist_lists_and_searches(admin_client, loop_data, url, query):
    listed = admin_client.get(url)
    searched = admin_client.get(url, {"q": query})
    missed = admin_client.get(url, {"q": "no-such-thing-anywhere"})

    assert listed.status_code == 200
    assert searched.status_code == 200
    assert missed.status_code == 200
    assert listed.context["cl"].result_count >= 1
    assert searched.context["cl"].result_count == 1
    assert missed.context["cl"].result_count == 0


def test_the_interaction_page_shows_its_invitation(admin_client, loop_data):
    interaction = Interaction.objects.get(external_id="call-42")

    page = admin_client.get(f"/admin/surveys/interaction/{interaction.pk}/change/")

    assert page.status_code == 200
    assert "Answered" in page.content.decode()


def test_html_in_answers_is_escaped_in_the_admin(admin_client, loop_data):
    page = admin_client.get(f"/admin/surveys/response/{Response.objects.get().pk}/change/")

    assert "Very friendly &lt;b&gt;agent&lt;/b&gt;" in page.content.decode()


def test_the_admin_cannot_create_a_token_whose_key_it_could_not_show(admin_client):
    assert admin_client.get("/admin/surveys/apitoken/add/").status_code == 403


# --- Survey wording per language ----------------------------------------------------------


def survey_form(survey, translations: list[dict]) -> dict:
    """The survey change form as the admin page posts it."""
    data = {
        "name": survey.name,
        "is_default": "on",
        "active": "on",
        "default_language": "en",
        "invite_phone": "on",
        "invite_chat": "on",
        "invite_email": "on",
        "invite_sms": "on",
        "fatigue_days": "30",
        "agent_monthly_target": "0",
        "send_delay_minutes": "0",
        "link_expiry_days": "7",
        "max_invite_age_hours": "72",
        "translations-TOTAL_FORMS": str(len(translations)),
        "translations-INITIAL_FORMS": str(sum(1 for t in translations if t.get("id"))),
        "translations-MIN_NUM_FORMS": "0",
        "translations-MAX_NUM_FORMS": "1000",
    }
    for i, translation in enumerate(translations):
        for key, value in translation.items():
            data[f"translations-{i}-{key}"] = value
        data[f"translations-{i}-survey"] = str(survey.pk)
    return data


def test_the_survey_page_shows_the_wording_per_language_inline(admin_client):
    survey = SurveyFactory()
    SurveyTranslation.objects.create(survey=survey, language="id", company_question="Seberapa puas Anda?")

    page = admin_client.get(f"/admin/surveys/survey/{survey.pk}/change/")

    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="translations-0-company_question"' in html
    assert "Seberapa puas Anda?" in html
    assert re.search(r'name="translations-0-language"[^>]*value="id"', html)


def test_saving_a_translation_in_the_admin_changes_the_survey_page(admin_client, client):
    survey = SurveyFactory()
    invitation = InvitationFactory(
        interaction__survey=survey, interaction__agent=AgentFactory(name="Budi Santoso"), language="es"
    )
    existing = SurveyTranslation.objects.create(survey=survey, language="en", why_prompt="Tell us more")

    saved = admin_client.post(
        f"/admin/surveys/survey/{survey.pk}/change/",
        survey_form(
            survey,
            [
                {"id": str(existing.pk), "language": "en", "why_prompt": "Anything else?"},
                {"language": "es", "agent_question": "¿Recomendaría a {agent}, quien le atendió hoy?"},
            ],
        ),
    )

    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert SurveyTranslation.objects.get(survey=survey, language="en").why_prompt == "Anything else?"
    client.logout()
    page = client.get(f"/s/{invitation.token}/")
    assert "¿Recomendaría a Budi, quien le atendió hoy?" in page.content.decode()
