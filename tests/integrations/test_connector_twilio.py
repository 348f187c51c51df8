"""Twilio TaskRouter: the workspace's event callback posts every event, form-encoded;
`task.completed` becomes an interaction. X-Twilio-Signature is checked against the public
URL (PUBLIC_BASE_URL), which is what Twilio signed even when a proxy forwards elsewhere."""

import json
from urllib.parse import parse_qsl, urlencode

import pytest

from integrations.connectors.twilio import signature
from integrations.models_connectors import Connector, DeadLetter
from surveys.models import Interaction
from tests.integrations.conftest import TWILIO_TOKEN, path_of, payload, twilio_signature

pytestmark = pytest.mark.django_db

PUBLIC = "https://nps.example.com"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(autouse=True)
def behind_a_proxy(settings):
    """Twilio calls https://nps.example.com/...; the app sees http://testserver/... from the proxy."""
    settings.PUBLIC_BASE_URL = PUBLIC


def post(client, connector: Connector, body: bytes, *, url: str | None = None, token: str = TWILIO_TOKEN):
    url = url or PUBLIC + path_of(connector)
    return client.post(
        path_of(connector), body, content_type=FORM, HTTP_X_TWILIO_SIGNATURE=twilio_signature(token, url, body)
    )


def edited(name: str, **changes: str) -> bytes:
    params = dict(parse_qsl(payload(name).decode(), keep_blank_values=True))
    params.update(changes)
    return urlencode(params).encode()


def test_the_signature_matches_twilios_documented_example():
    params = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"),
              ("From", "+12349013030"), ("To", "+18005551212")]  # fmt: skip

    assert signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_a_completed_task_is_stored_with_worker_queue_channel_contact_and_language(client, twilio):
    reply = post(client, twilio, payload("twilio_task_completed.form"))

    assert reply.status_code == 201, reply.content
    interaction = Interaction.objects.select_related("agent", "department").get()
    assert (interaction.source, interaction.external_id) == ("twilio", "WT00000000000000000000000000000001")
    assert interaction.agent.external_id == "WK00000000000000000000000000000001"
    assert interaction.agent.name == "carlos.ruiz"
    assert interaction.department.code == "claims-spanish"
    assert interaction.channel == "phone"
    assert interaction.customer_phone == "+34611222333"
    assert interaction.customer_email == "maria.lopez@example.com"
    assert interaction.customer_name == "Maria Lopez"
    assert interaction.language == "es-MX"
    assert int(interaction.occurred_at.timestamp()) == 1764493600


def test_a_repeated_callback_stores_nothing_new(client, twilio):
    post(client, twilio, payload("twilio_task_completed.form"))
    again = post(client, twilio, payload("twilio_task_completed.form"))

    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert Interaction.objects.count() == 1


def test_a_signature_over_the_proxys_internal_url_gets_401(client, twilio):
    reply = post(client, twilio, payload("twilio_task_completed.form"), url="http://testserver" + path_of(twilio))

    assert reply.status_code == 401
    assert not Interaction.objects.exists()


def test_a_wrong_token_or_a_changed_parameter_gets_401(client, twilio):
    body = payload("twilio_task_completed.form")
    forged = client.post(
        path_of(twilio),
        edited("twilio_task_completed.form", WorkerSid="WK99999999999999999999999999999999"),
        content_type=FORM,
        HTTP_X_TWILIO_SIGNATURE=twilio_signature(TWILIO_TOKEN, PUBLIC + path_of(twilio), body),
    )

    assert post(client, twilio, body, token="wrong-token").status_code == 401
    assert forged.status_code == 401
    assert not Interaction.objects.exists()


def test_other_event_types_are_acknowledged_and_ignored(client, twilio):
    reply = post(client, twilio, payload("twilio_reservation_created.form"))

    assert reply.status_code == 200 and reply.json()["status"] == "ignored"
    assert not Interaction.objects.exists() and not DeadLetter.objects.exists()


def test_the_department_and_language_can_come_from_task_attributes(client, twilio):
    attributes = json.loads(dict(parse_qsl(payload("twilio_task_completed.form").decode()))["TaskAttributes"])
    attributes.update({"team": "Billing", "lang": "Bahasa Indonesia"})
    twilio.department_field, twilio.language_field = "team", "lang"
    twilio.save()

    reply = post(client, twilio, edited("twilio_task_completed.form", TaskAttributes=json.dumps(attributes)))

    assert reply.status_code == 201
    interaction = Interaction.objects.get()
    assert (interaction.department.code, interaction.language) == ("billing", "id")


def test_broken_task_attributes_get_400_and_a_dead_letter(client, twilio):
    reply = post(client, twilio, edited("twilio_task_completed.form", TaskAttributes="{oops"))

    assert reply.status_code == 400
    assert "TaskAttributes" in reply.json()["error"]
    assert DeadLetter.objects.get().error == reply.json()["error"]


def test_a_task_without_a_worker_gets_400_and_a_dead_letter(client, twilio):
    reply = post(client, twilio, edited("twilio_task_completed.form", WorkerSid="", WorkerName=""))

    assert reply.status_code == 400
    assert DeadLetter.objects.count() == 1
    assert not Interaction.objects.exists()
