"""Intercom: a webhook subscription to `conversation.admin.closed`, in Intercom's own
notification format; X-Hub-Signature is checked; pings and other topics are acknowledged."""

import json
import logging

import pytest

from integrations.models_connectors import Connector, DeadLetter
from surveys.models import Interaction
from tests.integrations.conftest import INTERCOM_SECRET, intercom_signature, path_of, payload

pytestmark = pytest.mark.django_db


def post(client, connector: Connector, body: bytes, *, secret: str = INTERCOM_SECRET):
    return client.post(
        path_of(connector),
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE=intercom_signature(secret, body),
    )


def test_a_closed_conversation_is_stored_with_agent_team_channel_contact_and_language(client, intercom):
    intercom.department_map = {"5017691": "billing"}
    intercom.save()

    reply = post(client, intercom, payload("intercom_conversation_admin_closed.json"))

    assert reply.status_code == 201, reply.content
    interaction = Interaction.objects.select_related("agent", "department").get()
    assert (interaction.source, interaction.external_id) == ("intercom", "147258369")
    assert interaction.agent.external_id == "814860"
    assert interaction.agent.name == "Dewi Lestari"
    assert interaction.department.code == "billing"
    assert interaction.channel == "chat"
    assert interaction.customer_email == "siti.rahma@example.co.id"
    assert interaction.customer_name == "Siti Rahma"
    assert interaction.language == "id"
    assert interaction.tags == ["double-charge"]
    assert int(interaction.occurred_at.timestamp()) == 1764493600  # the close part's time


def test_an_unmapped_team_becomes_a_department_code_of_its_own(client, intercom):
    assert post(client, intercom, payload("intercom_conversation_admin_closed.json")).status_code == 201
    assert Interaction.objects.get().department.code == "5017691"


def test_the_department_can_come_from_a_conversation_attribute(client, intercom):
    intercom.department_field = "Issue type"
    intercom.save()

    assert post(client, intercom, payload("intercom_conversation_admin_closed.json")).status_code == 201
    assert Interaction.objects.get().department.code == "billing"


def test_a_replayed_notification_stores_nothing_new(client, intercom):
    first = post(client, intercom, payload("intercom_conversation_admin_closed.json"))
    again = post(client, intercom, payload("intercom_conversation_admin_closed.json"))

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["status"] == "duplicate"
    assert Interaction.objects.count() == 1


def test_the_ping_and_other_topics_are_acknowledged_and_nothing_is_stored(client, intercom):
    replied = json.loads(payload("intercom_conversation_admin_closed.json"))
    replied["topic"] = "conversation.admin.replied"

    ping = post(client, intercom, payload("intercom_ping.json"))
    other = post(client, intercom, json.dumps(replied).encode())

    assert (ping.status_code, other.status_code) == (200, 200)
    assert ping.json()["status"] == other.json()["status"] == "ignored"
    assert not Interaction.objects.exists() and not DeadLetter.objects.exists()


def test_a_wrong_signature_gets_401_and_a_log_line(client, intercom, caplog):
    body = payload("intercom_conversation_admin_closed.json")
    with caplog.at_level(logging.WARNING, logger="integrations"):
        wrong = post(client, intercom, body, secret="someone-else")
    missing = client.post(path_of(intercom), body, content_type="application/json")
    sha256 = client.post(
        path_of(intercom),
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE=intercom_signature(INTERCOM_SECRET, body).replace("sha1=", "sha256="),
    )

    assert (wrong.status_code, missing.status_code, sha256.status_code) == (401, 401, 401)
    assert any("signature" in r.getMessage() and r.exc_info is None for r in caplog.records)
    assert not Interaction.objects.exists()


def test_a_conversation_closed_by_nobody_waits_as_a_dead_letter(client, intercom):
    body = json.loads(payload("intercom_conversation_admin_closed.json"))
    item = body["data"]["item"]
    item["admin_assignee_id"] = None
    item["conversation_parts"]["conversation_parts"] = []

    reply = post(client, intercom, json.dumps(body).encode())

    assert reply.status_code == 400
    assert "No agent" in reply.json()["error"]
    assert DeadLetter.objects.filter(connector=intercom).count() == 1


@pytest.mark.parametrize(
    "body",
    [b"nope", b"7", b'{"topic": "conversation.admin.closed"}', b'{"topic": "conversation.admin.closed", "data": []}'],
)
def test_malformed_notifications_get_400_never_500(client, intercom, body):
    reply = post(client, intercom, body)

    assert reply.status_code == 400
    assert DeadLetter.objects.count() == 1


def test_the_department_mapping_ignores_case(client, intercom):
    intercom.department_field = "Issue type"
    intercom.department_map = {"BILLING": "billing-desk"}
    intercom.save()

    assert post(client, intercom, payload("intercom_conversation_admin_closed.json")).status_code == 201
    assert Interaction.objects.get().department.code == "billing-desk"
