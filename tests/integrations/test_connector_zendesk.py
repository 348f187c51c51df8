"""Zendesk: a trigger on "ticket solved" posts the README's JSON body template; NPS Desk
checks X-Zendesk-Webhook-Signature and stores the ticket as an interaction."""

import json
import logging
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from integrations.connectors.zendesk import body_template
from integrations.models_connectors import Connector, DeadLetter
from surveys.models import Interaction
from tests.integrations.conftest import ZENDESK_SECRET, path_of, payload, zendesk_signature

pytestmark = pytest.mark.django_db


def post(client, connector: Connector, body: bytes, *, secret: str = ZENDESK_SECRET, age: timedelta = timedelta()):
    stamp = (timezone.now() - age).strftime("%Y-%m-%dT%H:%M:%SZ")
    return client.post(
        path_of(connector),
        body,
        content_type="application/json",
        HTTP_X_ZENDESK_WEBHOOK_SIGNATURE=zendesk_signature(secret, stamp, body),
        HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP=stamp,
    )


# --- A solved ticket becomes an interaction ---------------------------------------------------


def test_a_signed_solved_ticket_is_stored_with_agent_department_channel_contact_and_language(client, zendesk):
    reply = post(client, zendesk, payload("zendesk_ticket_solved.json"))

    assert reply.status_code == 201, reply.content
    interaction = Interaction.objects.select_related("agent", "department").get()
    assert reply.json() == {"status": "stored", "interaction": interaction.pk}
    assert (interaction.source, interaction.external_id) == ("zendesk", "35436")
    assert interaction.agent.external_id == "budi.santoso@example.com"
    assert interaction.agent.name == "Budi Santoso"
    assert interaction.department.code == "billing-support"
    assert interaction.channel == "phone"
    assert interaction.customer_email == "ana.garcia@example.org"
    assert interaction.customer_phone == "+34612345678"
    assert interaction.customer_name == "Ana García"
    assert interaction.language == "es"
    assert interaction.tags == ["refund", "vip"]
    assert interaction.occurred_at.isoformat() == "2026-11-30T09:15:00+00:00"
    assert interaction.invitation.status in ("pending", "sent", "suppressed")


def test_a_replayed_ticket_stores_nothing_new(client, zendesk):
    first = post(client, zendesk, payload("zendesk_ticket_solved.json"))
    again = post(client, zendesk, payload("zendesk_ticket_solved.json"))

    assert again.status_code == 200
    assert again.json() == {"status": "duplicate", "interaction": first.json()["interaction"]}
    assert Interaction.objects.count() == 1


def test_the_department_can_come_from_a_custom_field_and_be_mapped_to_a_code(client, zendesk):
    zendesk.department_field = "360001234567"
    zendesk.department_map = {"Claims": "claims-team"}
    zendesk.save()

    assert post(client, zendesk, payload("zendesk_ticket_solved.json")).status_code == 201
    assert Interaction.objects.get().department.code == "claims-team"


def test_the_connector_page_offers_a_template_that_carries_the_custom_field():
    template = json.loads(body_template("360001234567"))

    assert template["ticket"]["custom_fields"] == {"360001234567": "{{ticket.ticket_field_option_title_360001234567}}"}
    assert template["ticket"]["assignee"]["email"] == "{{ticket.assignee.email}}"
    assert template["ticket"]["requester"]["language"] == "{{ticket.requester.language}}"


def test_a_ticket_that_is_not_solved_is_acknowledged_and_ignored(client, zendesk):
    body = json.loads(payload("zendesk_ticket_solved.json"))
    body["ticket"]["status"] = "Open"

    reply = post(client, zendesk, json.dumps(body).encode())

    assert reply.status_code == 200
    assert reply.json()["status"] == "ignored"
    assert not Interaction.objects.exists() and not DeadLetter.objects.exists()


# --- Signatures -------------------------------------------------------------------------------


def test_a_wrong_signature_gets_401_and_a_log_line_without_traceback(client, zendesk, caplog):
    with caplog.at_level(logging.WARNING, logger="integrations"):
        reply = post(client, zendesk, payload("zendesk_ticket_solved.json"), secret="not-the-secret")

    assert reply.status_code == 401
    assert not Interaction.objects.exists() and not DeadLetter.objects.exists()
    lines = [r for r in caplog.records if r.name.startswith("integrations")]
    assert any("signature" in r.getMessage() for r in lines)
    assert all(r.exc_info is None for r in lines)


def test_a_body_changed_after_signing_gets_401(client, zendesk):
    body = payload("zendesk_ticket_solved.json")
    stamp = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    reply = client.post(
        path_of(zendesk),
        body.replace(b"35436", b"35999"),
        content_type="application/json",
        HTTP_X_ZENDESK_WEBHOOK_SIGNATURE=zendesk_signature(ZENDESK_SECRET, stamp, body),
        HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP=stamp,
    )

    assert reply.status_code == 401
    assert not Interaction.objects.exists()


def test_an_old_signature_timestamp_gets_401(client, zendesk):
    reply = post(client, zendesk, payload("zendesk_ticket_solved.json"), age=timedelta(minutes=10))

    assert reply.status_code == 401
    assert not Interaction.objects.exists()


def test_without_signature_headers_or_secret_every_event_gets_401(client, zendesk):
    assert (
        client.post(
            path_of(zendesk), payload("zendesk_ticket_solved.json"), content_type="application/json"
        ).status_code
        == 401
    )
    zendesk.signing_secret = ""
    zendesk.save()
    assert post(client, zendesk, payload("zendesk_ticket_solved.json"), secret="").status_code == 401
    assert not Interaction.objects.exists()


# --- What cannot be mapped waits as a dead letter ----------------------------------------------


def test_an_unassigned_ticket_gets_400_with_the_reason_and_is_kept_as_a_dead_letter(client, zendesk):
    body = payload("zendesk_ticket_unassigned.json")

    reply = post(client, zendesk, body)

    assert reply.status_code == 400
    assert "No agent" in reply.json()["error"]
    letter = DeadLetter.objects.get()
    assert letter.connector == zendesk
    assert letter.body.encode() == body
    assert "No agent" in letter.error
    assert set(letter.headers) >= {"x-zendesk-webhook-signature", "x-zendesk-webhook-signature-timestamp"}
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b'{"ticket": "35436"}',
        b'{"ticket": {"status": "solved", "assignee": {"email": "a@b.c"}}}',
        b'{"ticket": {"id": {"x": 1}, "assignee": 7, "requester": [], "tags": 5, "updated_at": 99999999999999}}',
        b'{"ticket": {"id": "1", "assignee": {"email": "' + b"a" * 250 + b'"}}}',
        b"\xff\xfe{",
        b"",
    ],
)
def test_malformed_bodies_get_400_never_500(client, zendesk, body):
    reply = post(client, zendesk, body)

    assert reply.status_code == 400
    assert reply.json()["error"]
    assert DeadLetter.objects.count() == 1
    assert not Interaction.objects.exists()


def test_a_malformed_customer_detail_is_dropped_not_the_interaction(client, zendesk):
    body = json.loads(payload("zendesk_ticket_solved.json"))
    body["ticket"]["requester"]["email"] = "not an email"
    body["ticket"]["requester"]["language"] = "Klingon"

    assert post(client, zendesk, json.dumps(body).encode()).status_code == 201
    interaction = Interaction.objects.get()
    assert (interaction.customer_email, interaction.customer_phone, interaction.language) == ("", "+34612345678", "")


# --- The endpoint -----------------------------------------------------------------------------


def test_a_body_over_the_limit_gets_413(client, zendesk):
    body = b'{"ticket": {"id": "1", "pad": "' + b"x" * 300_000 + b'"}}'
    assert post(client, zendesk, body).status_code == 413
    assert not DeadLetter.objects.exists()


def test_an_unknown_or_switched_off_url_gets_404(client, zendesk):
    assert client.post("/integrations/in/nope/", b"{}", content_type="application/json").status_code == 404
    zendesk.active = False
    zendesk.save()
    assert post(client, zendesk, payload("zendesk_ticket_solved.json")).status_code == 404


def test_a_get_to_check_the_url_answers_200(client, zendesk):
    assert client.get(path_of(zendesk)).status_code == 200


def test_the_readme_documents_the_same_body_template_the_connector_parses():
    readme = (settings.BASE_DIR / "README.md").read_text()
    section = readme.split("### Zendesk (ticket solved)", 1)[1]
    block = section.split("```json", 1)[1].split("```", 1)[0]

    assert json.loads(block) == json.loads(body_template())
