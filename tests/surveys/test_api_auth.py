"""Only an integration holding a valid token may report interactions (`Authorization: Token <key>`)."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from agents.models import Agent, Department
from surveys.models import ApiToken, Interaction, Invitation
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = ["/api/v1/interactions/", "/api/v1/interactions/bulk/"]
ONE = {"external_id": "call-1", "channel": "phone", "agent": "a-1", "department": "billing"}


def body_for(url: str):
    return [ONE] if url.endswith("bulk/") else ONE


def nothing_stored() -> bool:
    return not (
        Interaction.objects.exists()
        or Invitation.objects.exists()
        or Agent.objects.exists()
        or Department.objects.exists()
    )


def client_with(header: str | None) -> APIClient:
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    return client


@pytest.mark.parametrize("url", ENDPOINTS)
def test_without_a_token_the_answer_is_401_and_nothing_is_stored(url):
    reply = client_with(None).post(url, body_for(url), format="json")

    assert reply.status_code == 401
    assert reply["WWW-Authenticate"] == "Token"
    assert nothing_stored()


WRONG_HEADERS = {
    "wrong key": "Token not-a-real-key",
    "keyword only": "Token",
    "key with a space": "Token two words",
    "another scheme": "Bearer abc",
    "basic auth": "Basic dXNlcjpwYXNz",
}


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize("header", WRONG_HEADERS.values(), ids=WRONG_HEADERS.keys())
def test_a_wrong_token_is_refused_with_401(api_key, url, header):
    reply = client_with(header).post(url, body_for(url), format="json")

    assert reply.status_code == 401
    assert nothing_stored()


def test_the_right_key_in_another_case_of_keyword_works(api_key):
    reply = client_with(f"token {api_key}").post(ENDPOINTS[0], ONE, format="json")

    assert reply.status_code == 201


def test_a_revoked_token_is_refused(api_key):
    ApiToken.objects.update(active=False)

    reply = client_with(f"Token {api_key}").post(ENDPOINTS[0], ONE, format="json")

    assert reply.status_code == 401
    assert nothing_stored()


def test_a_valid_token_is_accepted_and_its_use_recorded(api):
    reply = api.post(ENDPOINTS[0], ONE, format="json")

    assert reply.status_code == 201
    assert ApiToken.objects.get().last_used_at is not None


def test_the_key_itself_is_not_stored(api_key):
    token = ApiToken.objects.get()

    assert api_key not in (token.key_hash, token.prefix)
    assert token.prefix == api_key[:8]


def test_a_signed_in_agent_cannot_report_interactions_and_answer_them_himself():
    user = get_user_model().objects.create_user("budi", password="pw-budi-123")
    AgentFactory(external_id="a-1", user=user)
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(user)

    reply = client.post(ENDPOINTS[0], {**ONE, "delivery": {"method": "link"}}, format="json")

    assert reply.status_code == 403
    assert not Interaction.objects.exists()


def test_an_admin_signed_in_to_the_site_may_try_the_api():
    admin = get_user_model().objects.create_superuser("admin", password="pw-admin-123")
    client = APIClient()
    client.force_login(admin)

    reply = client.post(ENDPOINTS[0], ONE, format="json")

    assert reply.status_code == 201
