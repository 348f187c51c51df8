"""Editing a survey never changes what past answers mean: answers keep the version they
answered, new invitations get the new version, and a customer invited before the edit still
sees the wording they were sent."""

import pytest
from django.conf import settings

from surveys import services
from surveys.models import Invitation, Response, SurveyTranslation, SurveyVersion
from surveys.services import InteractionInput, record_interaction
from surveys.versions import snapshot
from tests.factories import InvitationFactory, SurveyFactory
from tests.surveys.editor_helpers import editor_data, row_prefix

pytestmark = pytest.mark.django_db

OLD_WHY = "What made you give these scores?"
NEW_WHY = "What is the one thing we should change?"


def invite(external_id: str, *, language: str = "en") -> Invitation:
    recorded = record_interaction(
        InteractionInput(
            external_id=external_id,
            channel="chat",
            agent="a-1",
            agent_name="Budi Santoso",
            department="billing",
            language=language,
            delivery_method="link",
        )
    )
    return Invitation.objects.select_related("survey_version").get(interaction=recorded.interaction)


def path(invitation: Invitation) -> str:
    return services.survey_url(invitation).removeprefix(settings.PUBLIC_BASE_URL)


def edit_default_survey(staff_client, **rows):
    survey = services.default_survey()
    url = f"/manage/surveys/{survey.pk}/"
    data = editor_data(staff_client, url)
    for field, value in rows.items():
        data[f"{row_prefix(data, 'translations', 'en')}-{field}"] = value
    return data, url


@pytest.fixture
def version_one(db):
    """The default survey with its own English why-prompt, saved once: version 1."""
    survey = SurveyFactory()
    SurveyTranslation.objects.create(survey=survey, language="en", why_prompt=OLD_WHY)
    version = snapshot(survey)
    assert version.number == 1
    return version


def test_answers_keep_the_version_they_answered_after_the_wording_changes(client, staff_client, version_one):
    answered = invite("chat-1")
    pending = invite("chat-2")
    assert answered.survey_version == pending.survey_version == version_one
    assert client.post(path(answered), {"company_score": "9", "agent_score": "10"}).status_code == 302

    data, url = edit_default_survey(staff_client, why_prompt=NEW_WHY)
    index = int(data["questions-TOTAL_FORMS"]) - 1
    data.update({f"questions-{index}-kind": "yes_no", f"questions-{index}-text_en": "Was your problem solved?"})
    assert staff_client.post(url, data).status_code == 302
    version_two = services.default_survey().versions.order_by("-number").first()
    fresh = invite("chat-3")

    old_answer = Response.objects.get(invitation=answered)
    assert (version_one.number, version_two.number) == (1, 2)
    assert old_answer.survey_version == version_one
    assert old_answer.survey_version.content["wording"]["en"]["why_prompt"] == OLD_WHY
    assert old_answer.survey_version.content["questions"] == []
    assert SurveyVersion.objects.get(pk=version_one.pk).content == version_one.content, "versions are never rewritten"
    assert fresh.survey_version == version_two

    old_page = client.get(path(pending)).content.decode()
    assert OLD_WHY in old_page and NEW_WHY not in old_page
    assert "Was your problem solved?" not in old_page
    new_page = client.get(path(fresh)).content.decode()
    assert NEW_WHY in new_page and "Was your problem solved?" in new_page

    assert client.post(path(pending), {"company_score": "6", "agent_score": "8"}).status_code == 302
    assert client.post(path(fresh), {"company_score": "7", "agent_score": "9", "q_yes_no_1": "yes"}).status_code == 302
    assert Response.objects.get(invitation=pending).survey_version == version_one
    late = Response.objects.get(invitation=fresh)
    assert (late.survey_version, late.extra_answers) == (version_two, {"yes_no_1": True})


def test_an_invitation_made_before_versions_existed_is_pinned_to_what_it_first_showed(client, staff_client):
    survey = SurveyFactory()
    legacy = InvitationFactory(interaction__survey=survey)  # as before versions: no version recorded
    assert legacy.survey_version is None

    first_look = client.get(f"/s/{legacy.token}/").content.decode()
    data, url = edit_default_survey(staff_client, why_prompt=NEW_WHY)
    staff_client.post(url, data)
    second_look = client.get(f"/s/{legacy.token}/").content.decode()

    assert NEW_WHY not in first_look and NEW_WHY not in second_look
    legacy.refresh_from_db()
    assert legacy.survey_version.number == 1


def test_reports_span_versions_because_the_nps_columns_are_the_same(client, staff_client, version_one):
    before = invite("chat-10")
    client.post(path(before), {"company_score": "10", "agent_score": "10"})
    data, url = edit_default_survey(staff_client, company_question="Would you recommend {company}?")
    staff_client.post(url, data)
    after = invite("chat-11")
    client.post(path(after), {"company_score": "0", "agent_score": "3"})

    scores = list(Response.objects.order_by("pk").values_list("survey_version__number", "company_score"))
    assert scores == [(version_one.number, 10), (version_one.number + 1, 0)]
