"""GET /api/v1/responses/: the answers for integrations, filtered and paginated, or as CSV;
token authentication like the rest of the API; supervisors signed in see their departments."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from surveys import api_responses
from surveys.models import Response
from tests.factories import InteractionFactory, InvitationFactory, ResponseFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
URL = "/api/v1/responses/"


def test_without_a_token_the_answers_are_refused(answered):
    reply = APIClient().get(URL)

    assert reply.status_code == 401
    assert reply["WWW-Authenticate"] == "Token"
    assert APIClient().get(URL, HTTP_AUTHORIZATION="Token wrong").status_code == 401
    assert APIClient().get(f"{URL}?format=csv").status_code == 401


def test_the_answers_come_newest_first_with_every_contract_field(api, answered):
    reply = api.get(URL)

    assert reply.status_code == 200
    body = reply.json()
    assert body["count"] == 9 and body["page"] == 1 and body["page_size"] == 100
    assert body["next"] is None and body["previous"] is None
    first = body["results"][0]
    assert set(first) == set(api_responses.EXPORT_FIELDS)
    newest = Response.objects.select_related("agent", "department", "interaction").order_by("-occurred_at").first()
    assert first["id"] == newest.pk and first["interaction"] == newest.interaction.external_id
    assert first["agent"] == newest.agent.external_id and first["department"] == newest.department.code
    assert (first["company_score"], first["agent_score"]) == (newest.company_score, newest.agent_score)
    assert first["why"] == newest.why and first["extra_answers"] == {}
    occurred = [row["occurred_at"] for row in body["results"]]
    assert occurred == sorted(occurred, reverse=True)
    assert not any("customer" in key or "email" in key for key in first)


def test_pages_link_to_each_other(api, answered):
    page1 = api.get(f"{URL}?page_size=4").json()
    page3 = api.get(f"{URL}?page_size=4&page=3").json()

    assert page1["count"] == 9 and len(page1["results"]) == 4
    assert page1["next"] == "http://testserver/api/v1/responses/?page_size=4&page=2"
    assert page3["previous"].endswith("page=2") and page3["next"] is None and len(page3["results"]) == 1
    ids = {r["id"] for p in (1, 2, 3) for r in api.get(f"{URL}?page_size=4&page={p}").json()["results"]}
    assert len(ids) == 9
    assert api.get(f"{URL}?page_size=4&page=4").status_code == 404


def test_filters(api, answered):
    agent = answered[0]

    def fetch(query: str) -> list[dict]:
        reply = api.get(f"{URL}?{query}")
        assert reply.status_code == 200, reply.content
        return reply.json()["results"]

    assert {r["department"] for r in fetch("department=claims")} == {"claims"}
    assert {r["agent"] for r in fetch(f"agent={agent.external_id}")} == {agent.external_id}
    assert {r["channel"] for r in fetch("channel=chat")} == {"chat"}
    assert {r["agent_category"] for r in fetch("category=detractor")} == {"detractor"}
    assert {r["company_category"] for r in fetch("category=promoter&question=company")} == {"promoter"}
    day = timezone.localdate() - timedelta(days=3)
    assert {r["occurred_at"][:10] for r in fetch(f"since={day}&until={day}")} == {day.isoformat()}
    assert len(fetch(f"since={day}&until={day}")) == 4


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("since=2025-13-01", "since"),
        ("since=2025-03-10&until=2025-03-01", "since"),
        ("department=nope", "department"),
        ("agent=nobody", "agent"),
        ("channel=fax", "channel"),
        ("category=fans", "category"),
        ("question=both", "question"),
        ("page=0", "page"),
        ("page_size=5000", "page_size"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(api, answered, query, field):
    reply = api.get(f"{URL}?{query}")

    assert reply.status_code == 400
    assert field in reply.json()
    csv_reply = api.get(f"{URL}?{query}&format=csv")
    assert csv_reply.status_code == 400 and field in csv_reply.json()  # errors stay JSON


def test_csv_streams_every_match_and_is_formula_safe(api, answered):
    interaction = InteractionFactory(agent=answered[0], occurred_at=timezone.now() - timedelta(days=1))
    ResponseFactory(
        invitation=InvitationFactory(interaction=interaction), why='=HYPERLINK("x")', extra_answers={"q": "+1"}
    )

    reply = api.get(f"{URL}?format=csv&department=billing")

    assert reply.status_code == 200 and reply.streaming
    assert reply["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(reply.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == Response.objects.filter(department__code="billing").count() == 6
    assert rows[0]["why"] == '\'=HYPERLINK("x")'
    assert rows[0]["extra_answers"] == '{"q": "+1"}'
    assert APIClient().get(f"{URL}?format=csv", HTTP_ACCEPT="text/csv").status_code == 401


def test_signed_in_users_see_what_the_dashboards_show_them(client, supervisor, admin_user, answered, departments):
    client.force_login(supervisor)
    rows = client.get(URL).json()["results"]
    assert rows and {r["department"] for r in rows} == {"billing"}
    assert client.get(f"{URL}?department=claims").status_code == 403

    client.force_login(admin_user)
    assert client.get(URL).json()["count"] == 9

    client.force_login(User.objects.create_user("nobody"))
    assert client.get(URL).status_code == 403


def test_the_schema_documents_the_endpoint(client):
    schema = client.get("/api/schema/?format=json").json()

    operation = schema["paths"]["/api/v1/responses/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {
        "since", "until", "department", "agent", "channel", "category", "question", "page", "page_size", "format",
    }  # fmt: skip
    assert "text/csv" in operation["responses"]["200"]["content"]
