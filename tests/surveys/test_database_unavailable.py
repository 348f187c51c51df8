"""The database drops out (issue 12): customers get a 503 page in their language with
Retry-After and their answers filled in, integrations a JSON 503, nobody a 500; a
connection dropped once is retried and the answer stored once.

The outage is made with Django's execute_wrapper: the statements named fail with the
OperationalError a lost connection raises (tests/faults/ restarts a real PostgreSQL)."""

from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection
from django.test import Client

from surveys.models import Invitation, Response
from tests.factories import AgentFactory, InvitationFactory

pytestmark = pytest.mark.django_db(transaction=True)

ANSWER = {"company_score": "3", "agent_score": "9", "why": "Dua kali ditransfer"}


@contextmanager
def database_down(match: str = "", *, times: int = 10**6):
    """Statements containing `match` (all when empty) fail, the first `times` of them."""
    failures = {"left": times}

    def fail(execute, sql, params, many, context):
        if match in sql and failures["left"] > 0:
            failures["left"] -= 1
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail):
        yield failures


@pytest.fixture
def invitation():
    return InvitationFactory(language="id", interaction__agent=AgentFactory(name="Budi Santoso"))


def test_an_answer_sent_while_the_database_is_down_comes_back_filled_in_with_503(invitation):
    client = Client(raise_request_exception=False)
    client.get(f"/s/{invitation.token}/")

    with database_down("survey_claim"):
        reply = client.post(f"/s/{invitation.token}/", ANSWER)

    page = reply.content.decode()
    assert reply.status_code == 503
    assert reply["Retry-After"] == "30"
    assert reply["Content-Language"] == "id"
    assert "Kami belum dapat menyimpan jawaban Anda" in page
    assert "Dua kali ditransfer" in page
    assert 'id="company_score-3" name="company_score" value="3" checked' in page
    assert not Response.objects.exists()
    assert Invitation.objects.get(pk=invitation.pk).status == "opened"

    again = client.post(f"/s/{invitation.token}/", ANSWER)
    assert again.status_code == 302 and Response.objects.count() == 1


def test_when_even_the_link_cannot_be_read_the_form_comes_back_from_the_cache(invitation):
    client = Client(raise_request_exception=False)
    client.get(f"/s/{invitation.token}/")  # what the customer was shown

    with database_down():
        reply = client.post(f"/s/{invitation.token}/", ANSWER)

    assert reply.status_code == 503
    assert reply["Retry-After"] == "30"
    assert "Dua kali ditransfer" in reply.content.decode()
    assert "Budi" in reply.content.decode()
    assert not Response.objects.exists()


def test_a_page_opened_while_the_database_is_down_is_a_503_in_the_customers_language(invitation):
    with database_down():
        reply = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="es").get(f"/s/{invitation.token}/")

    assert reply.status_code == 503
    assert reply["Retry-After"] == "30"
    assert "Inténtelo de nuevo en un minuto" in reply.content.decode()


def test_a_connection_dropped_once_is_retried_and_the_answer_stored_once(invitation):
    client = Client(raise_request_exception=False)

    with database_down("survey_claim", times=1) as failures:
        reply = client.post(f"/s/{invitation.token}/", ANSWER)

    assert failures["left"] == 0, "the drop happened"
    assert reply.status_code == 302
    assert Response.objects.filter(invitation=invitation).count() == 1


def test_the_api_answers_a_json_503_not_a_500(api):
    client = api
    client.raise_request_exception = False

    with database_down():
        body = {"external_id": "x", "channel": "phone", "agent": "a"}
        reply = client.post("/api/v1/interactions/", body, format="json")

    assert reply.status_code == 503
    assert reply["Retry-After"] == "30"
    assert reply.json()["code"] == "database_unavailable"


def test_a_staff_page_answers_503_not_500(django_user_model):
    client = Client(raise_request_exception=False)
    client.force_login(django_user_model.objects.create_user("sam", is_staff=True))

    with database_down():
        reply = client.get("/dashboard/")

    assert reply.status_code == 503
    assert reply["Retry-After"] == "30"
    assert "Temporarily unavailable" in reply.content.decode()
