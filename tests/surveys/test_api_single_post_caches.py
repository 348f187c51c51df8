"""The single POST keeps the survey rules and versions per process, and never uses them stale.

Each web process keeps the active assignment rules, the default survey and the current
versions under the survey configuration's stamp (surveys/survey_config.py); a trigger moves
the stamp in every transaction that writes a survey, a rule or a version, however it is
written. The API token is looked up in the database on every request, so revoking it works
from the very next request.
"""

import contextlib

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from surveys import survey_config
from surveys.models import ApiToken, Interaction, Survey
from surveys.services import default_survey
from surveys.services_tokens import create_api_token
from tests.conftest import subprocess_database_url
from tests.factories import SurveyAssignmentFactory

SINGLE = "/api/v1/interactions/"


def post(api: APIClient, external_id: str, channel: str = "chat", **extra) -> dict:
    reply = api.post(SINGLE, {"external_id": external_id, "channel": channel, "agent": "a-1", **extra}, format="json")
    assert reply.status_code == 201, reply.content
    return reply.json()


def survey_of(external_id: str) -> int:
    return Interaction.objects.get(external_id=external_id).survey_id


def sql_of(api: APIClient, external_id: str) -> str:
    with CaptureQueriesContext(connection) as captured:
        post(api, external_id)
    return "\n".join(q["sql"] for q in captured.captured_queries)


@pytest.fixture(autouse=True)
def _nothing_kept():
    survey_config.forget()
    yield
    survey_config.forget()


def test_the_second_post_reads_no_rules_nor_versions(api, postgres):
    default_survey()  # exists with its first version, as in any running system
    post(api, "first")  # reads them, and keeps them

    sql = sql_of(api, "second")

    assert "surveys_surveyassignment" not in sql
    assert "surveys_surveyversion" not in sql
    assert 'FROM "surveys_survey"' not in sql
    assert survey_of("second") == default_survey().pk


def test_a_new_rule_is_used_by_the_very_next_post(api, postgres):
    post(api, "before", channel="sms")
    assert survey_of("before") == default_survey().pk

    rule = SurveyAssignmentFactory(channel="sms")

    post(api, "after", channel="sms")
    assert survey_of("after") == rule.survey_id


def test_a_survey_changed_by_a_queryset_update_is_used_at_once(api, postgres):
    assert post(api, "invited")["invitation"] is not None

    Survey.objects.filter(pk=default_survey().pk).update(invite_chat=False)

    body = post(api, "not-invited")
    assert body["invitation"] is None
    assert body["suppressed_reason"] == "channel_disabled"


def test_an_edit_made_by_another_process_is_used_at_once(postgres_tx):
    """Another web process, the admin, a shell or psql: a write through any connection moves
    the stamp, and this process reads the rows again on its next request."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {create_api_token(name='other-process')}")
    survey = default_survey()
    assert post(api, "kept")["invitation"] is not None

    with psycopg.connect(subprocess_database_url(), autocommit=True) as other:
        other.execute("UPDATE surveys_survey SET invite_chat = false WHERE id = %s", [survey.pk])

    assert post(api, "seen")["suppressed_reason"] == "channel_disabled"


def test_a_new_survey_version_is_used_by_the_very_next_post(api, postgres):
    from surveys.models import SurveyVersion
    from surveys.versions import live_content

    post(api, "v1")
    survey = default_survey()
    first = Interaction.objects.get(external_id="v1").invitation.survey_version
    newer = SurveyVersion.objects.create(survey=survey, number=first.number + 1, content=live_content(survey))

    post(api, "v2")

    assert Interaction.objects.get(external_id="v2").invitation.survey_version == newer


def test_the_stamp_changes_with_every_write_even_inside_one_transaction(postgres):
    survey = default_survey()
    stamps = [survey_config.read_stamp()]
    for delay in (5, 6):
        Survey.objects.filter(pk=survey.pk).update(send_delay_minutes=delay)
        stamps.append(survey_config.read_stamp())

    assert None not in stamps
    assert len(set(stamps)) == 3


# --- Tokens: looked up on every request -------------------------------------------------------


def test_a_token_revoked_in_the_manage_pages_fails_on_the_next_request(staff_client, postgres):
    key = create_api_token(name="five9")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    post(api, "while-valid")

    staff_client.post(f"/manage/tokens/{ApiToken.objects.get(name='five9').pk}/revoke/")

    reply = api.post(SINGLE, {"external_id": "after-revoke", "channel": "chat", "agent": "a-1"}, format="json")
    assert reply.status_code == 401
    assert not Interaction.objects.filter(external_id="after-revoke").exists()


def test_a_token_deleted_by_another_process_fails_on_the_next_request(postgres_tx):
    key = create_api_token(name="deleted-elsewhere")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    post(api, "ok")

    with psycopg.connect(subprocess_database_url(), autocommit=True) as other:
        other.execute("DELETE FROM surveys_apitoken WHERE name = 'deleted-elsewhere'")

    reply = api.post(SINGLE, {"external_id": "refused", "channel": "chat", "agent": "a-1"}, format="json")
    assert reply.status_code == 401


def test_a_survey_made_by_a_transaction_that_rolled_back_is_not_remembered(postgres):
    """A request that made the default survey on first use and then failed must not leave it
    behind in the process: the next one would point at a survey that does not exist."""
    stamp = survey_config.read_stamp()  # read before the survey existed, as the token lookup does
    with contextlib.suppress(RuntimeError), transaction.atomic():
        made = default_survey()  # made on first use earlier in the same request
        assert survey_config.survey_config(stamp).survey_for(department_id=None, channel="chat") == made
        raise RuntimeError("the request failed")
    assert survey_config.read_stamp() == stamp

    survey = survey_config.survey_config(stamp).survey_for(department_id=None, channel="chat")

    assert survey.pk != made.pk
    assert Survey.objects.filter(pk=survey.pk).exists()
