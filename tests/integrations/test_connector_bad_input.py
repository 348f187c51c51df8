"""Whatever a platform (or anyone) posts, the answer is a 2xx or 4xx with a reason, never a
500, and nothing is half-stored: signed nonsense becomes a dead letter, unsigned is refused."""

import json

import pytest
from django.utils import timezone

from integrations.models_connectors import DeadLetter
from surveys.models import Interaction
from tests.integrations.conftest import (
    INTERCOM_SECRET,
    TWILIO_TOKEN,
    ZENDESK_SECRET,
    intercom_signature,
    path_of,
    payload,
    twilio_signature,
    zendesk_signature,
)

pytestmark = pytest.mark.django_db

ticket = json.loads(payload("zendesk_ticket_solved.json"))
NASTY = [
    b"",
    b"\x00\x01\x02",
    b"\xff" * 64,
    b"null",
    b'"just a string"',
    b"[1, 2, 3]",
    b'{"ticket": null}',
    json.dumps({"ticket": {**ticket["ticket"], "requester": {"name": "Ana\u0000", "email": "a\u0000@x.org"}}}).encode(),
    json.dumps({"ticket": {**ticket["ticket"], "assignee": {"email": "agent\u0000@x.org"}}}).encode(),
    json.dumps({"ticket": {**ticket["ticket"], "updated_at": "1999-01-01T00:00:00Z"}}).encode(),
    json.dumps({"ticket": {**ticket["ticket"], "updated_at": "2999-01-01T00:00:00Z"}}).encode(),
    json.dumps({"ticket": {**ticket["ticket"], "id": "9" * 300}}).encode(),
    json.dumps({"ticket": {**ticket["ticket"], "group": {"name": "!!!"}, "tags": ["x" * 80] * 40}}).encode(),
    b"EventType=task.completed&TaskSid=WT1&WorkerSid=&TaskAttributes=%00",
    b"EventType=task.completed&TaskSid=WT1&WorkerSid=WK1&TaskAttributes=%5B%5D&Timestamp=99999999999",
    b"topic=conversation.admin.closed&%ZZ=1",
    b'{"topic": "conversation.admin.closed", "data": {"item": {"id": "1", "admin_assignee_id": {"a": 1}}}}',
]


def signed(platform: str, connector, body: bytes) -> dict:
    if platform == "zendesk":
        stamp = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": zendesk_signature(ZENDESK_SECRET, stamp, body),
            "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP": stamp,
        }
    if platform == "intercom":
        return {"HTTP_X_HUB_SIGNATURE": intercom_signature(INTERCOM_SECRET, body)}
    return {
        "HTTP_X_TWILIO_SIGNATURE": twilio_signature(TWILIO_TOKEN, "http://127.0.0.1:8000" + path_of(connector), body)
    }


@pytest.mark.parametrize("platform", ["zendesk", "intercom", "twilio"])
@pytest.mark.parametrize("body", NASTY)
def test_signed_nonsense_gets_a_4xx_or_is_ignored_never_a_500(request, client, settings, platform, body):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    connector = request.getfixturevalue(platform)
    content_type = "application/x-www-form-urlencoded" if platform == "twilio" else "application/json"

    reply = client.post(path_of(connector), body, content_type=content_type, **signed(platform, connector, body))

    assert reply.status_code in (200, 201, 400), reply.content
    if reply.status_code == 400:
        assert reply.json()["error"]
        assert DeadLetter.objects.count() == 1
    if reply.status_code != 201:
        assert not Interaction.objects.exists()


@pytest.mark.parametrize("platform", ["zendesk", "intercom", "twilio"])
def test_unsigned_nonsense_gets_401_and_nothing_is_kept(request, client, platform):
    connector = request.getfixturevalue(platform)

    reply = client.post(
        path_of(connector),
        b"\x00garbage",
        content_type="text/plain",
        HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP="not-a-time",
        HTTP_X_HUB_SIGNATURE="sha1=zz",
        HTTP_X_TWILIO_SIGNATURE="\u00e9",
    )

    assert reply.status_code == 401
    assert not DeadLetter.objects.exists() and not Interaction.objects.exists()
