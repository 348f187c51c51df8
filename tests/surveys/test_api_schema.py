"""The OpenAPI schema at /api/schema/ and the docs at /api/docs/, served without any CDN."""

import re
from io import StringIO

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db

REQUEST_FIELDS = {
    "external_id",
    "source",
    "channel",
    "agent",
    "agent_name",
    "department",
    "occurred_at",
    "customer",
    "delivery",
    "handle_seconds",
    "wait_seconds",
    "transfers",
    "resolved",
    "tags",
    "invite",
}


@pytest.fixture
def schema(client) -> dict:
    reply = client.get("/api/schema/")
    assert reply.status_code == 200
    assert reply["Content-Type"].startswith("application/vnd.oai.openapi")
    return yaml.safe_load(reply.content)


def component(schema: dict, ref_holder: dict) -> dict:
    return schema["components"]["schemas"][ref_holder["$ref"].rsplit("/", 1)[-1]]


def test_the_schema_documents_the_interactions_endpoint_and_its_fields(schema):
    post = schema["paths"]["/api/v1/interactions/"]["post"]
    request = component(schema, post["requestBody"]["content"]["application/json"]["schema"])

    assert schema["openapi"].startswith("3.")
    assert set(request["properties"]) == REQUEST_FIELDS
    assert set(request["required"]) == {"external_id", "channel", "agent"}
    assert request["properties"]["external_id"]["maxLength"] == 200
    channel = component(schema, request["properties"]["channel"])
    assert set(channel["enum"]) == {"phone", "chat", "email", "sms"}
    customer = component(schema, request["properties"]["customer"])
    assert set(customer["properties"]) == {"email", "phone", "name", "language"}
    delivery = component(schema, request["properties"]["delivery"])
    assert set(delivery["properties"]) == {"method", "delay_minutes"}
    assert {"201", "200", "400", "401"} <= set(post["responses"])
    answer = component(schema, post["responses"]["201"]["content"]["application/json"]["schema"])
    assert set(answer["properties"]) == {"id", "external_id", "invitation", "suppressed_reason"}


def test_the_schema_documents_bulk_and_token_authentication(schema):
    assert "post" in schema["paths"]["/api/v1/interactions/bulk/"]
    token = schema["components"]["securitySchemes"]["apiToken"]
    assert (token["type"], token["in"], token["name"]) == ("apiKey", "header", "Authorization")
    assert {"apiToken": []} in schema["paths"]["/api/v1/interactions/"]["post"]["security"]


def test_the_schema_is_also_served_as_json(client):
    reply = client.get("/api/schema/?format=json")

    assert reply.status_code == 200
    assert "/api/v1/interactions/" in reply.json()["paths"]


def test_the_schema_generates_without_warnings():
    out = StringIO()
    call_command("spectacular", "--fail-on-warn", "--validate", stdout=out, stderr=StringIO())

    assert "/api/v1/interactions/" in out.getvalue()


def test_the_docs_page_uses_only_local_assets(client):
    reply = client.get("/api/docs/")
    html = reply.content.decode()

    assert reply.status_code == 200
    assert reply["Content-Type"].startswith("text/html")
    assets = re.findall(r"<(?:script|link)\b[^>]*?\b(?:src|href)=\"([^\"]+)\"", html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets), assets
    assert not re.search(r"https?://", html), "the docs must not load anything from a CDN"
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert client.get(asset).status_code == 200, asset
    assert "/api/schema/" in html
