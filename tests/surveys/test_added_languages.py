"""A language an admin adds (beyond en, id, es) reaches customers who speak it, and customers
whose language the survey does not have read its default language."""

import pytest
from django.conf import settings

from surveys import services
from surveys.models import Survey, SurveyTranslation
from surveys.services import InteractionInput, record_interaction
from surveys.versions import snapshot
from tests.factories import InvitationFactory, SurveyFactory

pytestmark = pytest.mark.django_db

MALAY = "Sejauh manakah anda akan mengesyorkan {agent} kepada rakan?"


@pytest.fixture
def survey():
    survey = SurveyFactory()
    SurveyTranslation.objects.create(survey=survey, language="ms", agent_question=MALAY)
    SurveyTranslation.objects.create(survey=survey, language="id", company_question="Rekomendasikan {company}?")
    snapshot(survey)
    return survey


def test_a_customer_who_speaks_an_added_language_reads_it(client, survey):
    recorded = record_interaction(
        InteractionInput(
            external_id="c-1",
            channel="chat",
            agent="a-1",
            agent_name="Aminah",
            language="ms-MY",
            delivery_method="link",
        )
    )
    invitation = recorded.interaction.invitation
    assert invitation.language == "ms"

    reply = client.get(services.survey_url(invitation).removeprefix(settings.PUBLIC_BASE_URL))

    html = reply.content.decode()
    assert '<html lang="ms">' in html
    assert "Sejauh manakah anda akan mengesyorkan Aminah kepada rakan?" in html
    # What the admin did not write in Malay comes from the default language, not a blank.
    assert "How likely are you to recommend Acme Support to a friend or colleague?" in html


def test_a_customer_whose_language_the_survey_lacks_reads_its_default_language(client, survey):
    Survey.objects.filter(pk=survey.pk).update(default_language="id")
    snapshot(Survey.objects.get(pk=survey.pk))
    invitation = InvitationFactory(interaction__survey=survey, language="")

    reply = client.get(f"/s/{invitation.token}/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assert reply["Content-Language"] == "id"
    assert "Rekomendasikan Acme Support?" in reply.content.decode()


def test_the_browsers_language_is_used_when_the_survey_has_it(client, survey):
    invitation = InvitationFactory(interaction__survey=survey, language="")

    reply = client.get(f"/s/{invitation.token}/", HTTP_ACCEPT_LANGUAGE="fr;q=0.9,ms;q=0.8")

    assert reply["Content-Language"] == "ms"
