"""`python manage.py create_api_token NAME` prints a key an integration can use at once."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from surveys.models import ApiToken, Interaction

pytestmark = pytest.mark.django_db


def create(name: str) -> str:
    out = StringIO()
    call_command("create_api_token", name, stdout=out)
    return out.getvalue().strip()


def test_the_printed_key_authenticates_the_integration():
    key = create("zendesk")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    reply = client.post(
        "/api/v1/interactions/", {"external_id": "t-1", "channel": "email", "agent": "a-1"}, format="json"
    )

    assert len(key) >= 40 and " " not in key
    assert reply.status_code == 201
    assert Interaction.objects.filter(external_id="t-1").exists()
    assert ApiToken.objects.get().name == "zendesk"


def test_each_token_gets_its_own_key():
    assert create("zendesk") != create("genesys")
    assert ApiToken.objects.count() == 2


def test_a_duplicate_name_is_an_error_and_the_first_key_keeps_working():
    key = create("zendesk")

    with pytest.raises(CommandError, match="already exists"):
        create("zendesk")

    assert ApiToken.objects.count() == 1
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    reply = client.post(
        "/api/v1/interactions/", {"external_id": "t-2", "channel": "chat", "agent": "a-1"}, format="json"
    )
    assert reply.status_code == 201


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_blank_or_overlong_name_is_an_error(name):
    with pytest.raises(CommandError):
        create(name)

    assert not ApiToken.objects.exists()
