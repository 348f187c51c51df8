"""Connectors in: a connector per platform, the payload fixtures (built from each vendor's
public documentation) and a client that posts them the way the platform would.

Signatures here are computed the way each vendor documents them, independently of
integrations/connectors/, so a wrong implementation there fails these tests.
"""

import base64
import hashlib
import hmac
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from integrations.models_connectors import Connector
from surveys.services import default_survey

PAYLOADS = Path(__file__).parent / "payloads"
ZENDESK_SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="
INTERCOM_SECRET = "9a1bc4d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8"
TWILIO_TOKEN = "d5e8a1b2c3d4e5f6a7b8c9d0e1f2a3b4"


def payload(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes().strip()


def zendesk_signature(secret: str, timestamp: str, body: bytes) -> str:
    """developer.zendesk.com: base64(HMAC-SHA256(TIMESTAMP + BODY)) with the signing secret."""
    return base64.b64encode(hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()).decode()


def intercom_signature(secret: str, body: bytes) -> str:
    """developers.intercom.com: X-Hub-Signature is sha1= and the hex HMAC-SHA1 of the body."""
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def twilio_signature(token: str, url: str, body: bytes) -> str:
    """twilio.com/docs/usage/security: the URL, then each POST parameter sorted by name as
    name + value, HMAC-SHA1 with the auth token, base64."""
    params = sorted(parse_qsl(body.decode(errors="replace"), keep_blank_values=True))
    data = url + "".join(f"{name}{value}" for name, value in params)
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


@pytest.fixture
def survey(db):
    return default_survey()


@pytest.fixture
def zendesk(survey) -> Connector:
    return Connector.objects.create(name="Zendesk production", platform="zendesk", signing_secret=ZENDESK_SECRET)


@pytest.fixture
def intercom(survey) -> Connector:
    return Connector.objects.create(name="Intercom", platform="intercom", signing_secret=INTERCOM_SECRET)


@pytest.fixture
def twilio(survey) -> Connector:
    return Connector.objects.create(name="Twilio Flex", platform="twilio", signing_secret=TWILIO_TOKEN)


def path_of(connector: Connector) -> str:
    return f"/integrations/in/{connector.url_key}/"


# Webhooks out: a local HTTP receiver and the settings that let us post to it.
from tests.integrations.webhook_receivers import (  # noqa: E402, F401 - fixtures used by the webhook tests
    _fresh_subscribers_cache,
    allow_private,
    closed_port_url,
    fast_retries,
    receiver,
)
