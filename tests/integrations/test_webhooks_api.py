"""POST/GET/DELETE /api/v1/webhooks/: what an integration sees (DESIGN.md, "Webhooks out")."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from integrations.models import WebhookSubscription
from privacy.models import ChangeRecord

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://93.184.215.14/hooks/nps"  # a public address literal: no DNS needed


# --- Subscribing ----------------------------------------------------------------------------


def test_subscribing_answers_201_with_the_id_url_events_and_a_whsec_secret(api):
    reply = api.post(
        "/api/v1/webhooks/", {"url": PUBLIC_URL, "events": ["response.created", "case.opened"]}, format="json"
    )

    assert reply.status_code == 201, reply.content
    body = reply.json()
    assert {"id", "url", "events", "secret"} <= set(body)
    assert body["url"] == PUBLIC_URL
    assert body["events"] == ["response.created", "case.opened"]
    assert body["secret"].startswith("whsec_")
    assert len(body["secret"]) > len("whsec_") + 40
    assert WebhookSubscription.objects.get(pk=body["id"]).secret == body["secret"]


def test_each_subscription_gets_its_own_secret(api):
    first = api.post("/api/v1/webhooks/", {"url": PUBLIC_URL, "events": ["case.opened"]}, format="json").json()
    second = api.post("/api/v1/webhooks/", {"url": PUBLIC_URL, "events": ["case.opened"]}, format="json").json()
    assert first["secret"] != second["secret"]


def test_slack_and_teams_targets_are_accepted(api):
    for target in ("slack", "teams"):
        reply = api.post(
            "/api/v1/webhooks/", {"url": PUBLIC_URL, "events": ["alert.fired"], "target": target}, format="json"
        )
        assert reply.status_code == 201
        assert reply.json()["target"] == target


def test_subscribing_is_in_the_audit_log_with_the_token_and_address(api):
    reply = api.post("/api/v1/webhooks/", {"url": PUBLIC_URL, "events": ["case.opened"]}, format="json")

    record = ChangeRecord.objects.get(action="webhook.created")
    assert record.target_id == str(reply.json()["id"])
    assert record.details["token"] == "test-integration"
    assert record.details["url"] == PUBLIC_URL
    assert record.ip_address == "127.0.0.1"
    assert "whsec_" not in str(record.details)


# --- Reading and deleting ------------------------------------------------------------------------


def test_list_and_get_never_show_the_secret(api):
    created = api.post("/api/v1/webhooks/", {"url": PUBLIC_URL, "events": ["case.resolved"]}, format="json").json()

    listed = api.get("/api/v1/webhooks/")
    one = api.get(f"/api/v1/webhooks/{created['id']}/")

    assert listed.status_code == 200 and one.status_code == 200
    assert [row["id"] for row in listed.json()] == [created["id"]]
    assert one.json()["events"] == ["case.resolved"]
    assert "secret" not in listed.json()[0] and "secret" not in one.json()
    assert "whsec_" not in listed.content.decode() + one.content.decode()


def test_delete_answers_204_then_the_subscription_is_gone(api):
    created = api.post("/api/v1/webhooks/", {"url": PUBLIC_URL, "events": ["case.opened"]}, format="json").json()

    assert api.delete(f"/api/v1/webhooks/{created['id']}/").status_code == 204

    assert api.get(f"/api/v1/webhooks/{created['id']}/").status_code == 404
    assert api.get("/api/v1/webhooks/").json() == []
    assert api.delete(f"/api/v1/webhooks/{created['id']}/").status_code == 404
    assert ChangeRecord.objects.filter(action="webhook.deleted", target_id=str(created["id"])).count() == 1


def test_an_unknown_id_is_404(api):
    assert api.get("/api/v1/webhooks/999999/").status_code == 404
    assert api.delete("/api/v1/webhooks/999999/").status_code == 404


# --- Bad input: 400, nothing stored ----------------------------------------------------------------


@pytest.mark.parametrize(
    "body, field",
    [
        ({"url": PUBLIC_URL, "events": ["response.deleted"]}, "events"),
        ({"url": PUBLIC_URL, "events": []}, "events"),
        ({"url": PUBLIC_URL, "events": "response.created"}, "events"),
        ({"url": PUBLIC_URL}, "events"),
        ({"events": ["case.opened"]}, "url"),
        ({"url": "ftp://93.184.215.14/x", "events": ["case.opened"]}, "url"),
        ({"url": "not a url", "events": ["case.opened"]}, "url"),
        ({"url": "https://user:pw@93.184.215.14/x", "events": ["case.opened"]}, "url"),
        ({"url": "https://93.184.215.14:99999/x", "events": ["case.opened"]}, "url"),
        ({"url": "https://" + "a" * 2000 + ".com/", "events": ["case.opened"]}, "url"),
        ({"url": PUBLIC_URL, "events": ["case.opened"], "target": "discord"}, "target"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(api, body, field):
    reply = api.post("/api/v1/webhooks/", body, format="json")

    assert reply.status_code == 400, reply.content
    assert field in reply.json()
    assert not WebhookSubscription.objects.exists()
    assert not ChangeRecord.objects.filter(action__startswith="webhook.").exists()


def test_a_list_or_broken_json_is_a_400(api):
    assert api.post("/api/v1/webhooks/", [PUBLIC_URL], format="json").status_code == 400
    broken = api.post("/api/v1/webhooks/", "{not json", content_type="application/json")
    assert broken.status_code == 400
    assert not WebhookSubscription.objects.exists()


# --- Who may -----------------------------------------------------------------------------------------


def test_without_a_token_it_is_401(db):
    client = APIClient()
    assert client.get("/api/v1/webhooks/").status_code == 401
    assert client.post("/api/v1/webhooks/", {"url": PUBLIC_URL, "events": ["case.opened"]}).status_code == 401


def test_a_wrong_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    assert client.get("/api/v1/webhooks/").status_code == 401


def test_a_signed_in_supervisor_is_refused_and_an_admin_may(db):
    user_model = get_user_model()
    supervisor = user_model.objects.create_user("sam", password="pw-sam-123")
    admin = user_model.objects.create_user("ada", password="pw-ada-123", is_staff=True)
    client = APIClient()
    client.force_login(supervisor)
    assert client.get("/api/v1/webhooks/").status_code == 403
    client.force_login(admin)
    reply = client.post("/api/v1/webhooks/", {"url": PUBLIC_URL, "events": ["case.opened"]}, format="json")
    assert reply.status_code == 201
    record = ChangeRecord.objects.get(action="webhook.created")
    assert record.actor == admin


def test_the_openapi_schema_documents_the_webhook_endpoints(api):
    schema = api.get("/api/schema/?format=json").json()
    assert {"post", "get"} <= set(schema["paths"]["/api/v1/webhooks/"])
    assert {"get", "delete"} <= set(schema["paths"]["/api/v1/webhooks/{id}/"])
    created = schema["paths"]["/api/v1/webhooks/"]["post"]["responses"]["201"]["content"]["application/json"]
    name = created["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "secret" in schema["components"]["schemas"][name]["properties"]
