"""Input hygiene on the survey page, the API and the editor (issue 12): bodies that are not
UTF-8 or too big get the survey page's own 400, control characters are refused in every
free-text field, and nothing is stored."""

import pytest
from django.test import Client

from surveys.editor.tokens import TokenForm
from surveys.models import Interaction, Response
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def invitation():
    return InvitationFactory(language="es")


def post(invitation, body: bytes):
    return Client().post(f"/s/{invitation.token}/", data=body, content_type=FORM)


@pytest.mark.parametrize(
    "body",
    [b"company_score=9&agent_score=9&why=caf%E9", b"company_score=9&agent_score=9&why=caf\xe9", b"why=%C3%28&x=1"],
    ids=["percent-encoded latin-1", "raw latin-1", "broken sequence"],
)
def test_a_body_that_is_not_utf8_gets_a_400_in_the_customers_language_and_nothing_is_stored(invitation, body):
    reply = post(invitation, body)

    assert reply.status_code == 400
    assert reply["Content-Language"] == "es"
    assert "no pudimos leer" in reply.content.decode()
    assert 'name="company_score"' in reply.content.decode(), "the form is there to answer again"
    assert not Response.objects.exists()


def test_an_oversized_body_gets_the_survey_pages_own_400(invitation, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    reply = post(invitation, b"company_score=9&agent_score=9&why=" + b"a" * 5_000)

    assert reply.status_code == 400
    assert "demasiado largas" in reply.content.decode()
    assert "Bad Request" not in reply.content.decode()
    assert not Response.objects.exists()


@pytest.mark.parametrize("why", ["bell\x07", "escape\x1b[31m", "nul\x00", "c1\u0085inside", "csi\u009b", "del\x7f"])
def test_control_characters_in_the_why_are_refused(invitation, why):
    reply = Client().post(f"/s/{invitation.token}/", {"company_score": "9", "agent_score": "9", "why": why})

    assert reply.status_code == 400
    assert "caracteres de control" in reply.content.decode()
    assert not Response.objects.exists()


def test_tabs_and_new_lines_from_a_textarea_are_kept(invitation):
    why = "Line one\r\nLine two\n\tindented"
    reply = Client().post(f"/s/{invitation.token}/", {"company_score": "9", "agent_score": "9", "why": why})

    assert reply.status_code == 302
    assert Response.objects.get().why == why


def test_control_characters_in_api_text_fields_are_a_field_error(api):
    body = {"external_id": "ctl-1", "channel": "phone", "agent": "a-1", "agent_name": "Budi\x1b", "tags": ["ok\x00"]}
    body["customer"] = {"name": "Sa\u0085ri"}

    reply = api.post("/api/v1/interactions/", body, format="json")

    assert reply.status_code == 400
    errors = reply.json()
    assert "agent_name" in errors and "customer" in errors and "tags" in errors
    assert not Interaction.objects.exists()


def test_control_characters_in_the_editors_text_fields_are_refused():
    form = TokenForm(data={"name": "Zendesk\x08"})

    assert not form.is_valid()
    assert "control characters" in str(form.errors)
