"""API calls with a token skip the signed-in people's middleware and answer exactly the same
(nps_project/api_path.py): same status, body and headers as through the whole chain."""

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from surveys.services_tokens import create_api_token

pytestmark = pytest.mark.django_db

FULL_CHAIN = [m for m in django_settings.MIDDLEWARE if m != "nps_project.api_path.TokenApiMiddleware"]
VARYING = {"X-Request-ID", "Date"}
BODY = {"channel": "chat", "agent": "a-1", "customer": {"email": "sari@example.com"}}


def calls(key: str, run: str) -> list[tuple[str, str, object, dict]]:
    good = {"HTTP_AUTHORIZATION": f"Token {key}"}
    customer = {"customer": {"email": f"{run}@example.com"}}  # each run its own: no fatigue
    return [
        ("post", "/api/v1/interactions/", {**BODY, **customer, "external_id": f"{run}-new"}, good),
        ("post", "/api/v1/interactions/", {**BODY, **customer, "external_id": f"{run}-new"}, good),  # replay: 200
        ("post", "/api/v1/interactions/", {"channel": "fax"}, good),  # 400
        ("post", "/api/v1/interactions/bulk/", [{**BODY, "external_id": f"{run}-bulk", "invite": False}], good),
        ("post", "/api/v1/interactions/", BODY, {"HTTP_AUTHORIZATION": "Token wrong"}),  # 401
        ("get", "/api/v1/nps/", None, {**good, "HTTP_ACCEPT_LANGUAGE": "id"}),
    ]


def scrubbed(body: object) -> object:
    """The body without what differs from run to run: ids, external ids, links and moments."""
    if isinstance(body, list):
        return [scrubbed(item) for item in body]
    if isinstance(body, dict):
        return {k: scrubbed(v) for k, v in body.items() if k not in ("id", "external_id", "url", "expires_at")}
    return body


def answers(key: str, run: str) -> list[tuple[int, object, dict]]:
    client = APIClient()
    out = []
    for method, url, data, headers in calls(key, run):
        reply = getattr(client, method)(url, data, format="json", **headers)
        out.append(
            (reply.status_code, scrubbed(reply.json()), {k: v for k, v in reply.headers.items() if k not in VARYING})
        )
    return out


def test_a_token_call_answers_the_same_as_through_the_whole_middleware_chain(settings):
    key = create_api_token(name="headers")

    fast = answers(key, "fast")
    settings.MIDDLEWARE = FULL_CHAIN
    full = answers(key, "full")

    assert [a[0] for a in fast] == [201, 200, 400, 200, 401, 200]
    for (code, body, headers), (full_code, full_body, full_headers) in zip(fast, full, strict=True):
        assert (code, body) == (full_code, full_body)
        assert headers == full_headers
    assert fast[0][2]["Cache-Control"] == "private, no-store"
    assert fast[-1][2]["Content-Language"] == "id"


def test_a_token_call_loads_no_session(api):
    reply = api.post("/api/v1/interactions/", {**BODY, "external_id": "no-session"}, format="json")

    assert reply.status_code == 201
    assert not hasattr(reply.wsgi_request, "session")


def test_a_signed_in_admin_still_goes_through_the_whole_chain(admin_client):
    reply = admin_client.post(
        "/api/v1/interactions/", {**BODY, "external_id": "by-admin"}, content_type="application/json"
    )

    assert reply.status_code == 201
    assert hasattr(reply.wsgi_request, "session")
