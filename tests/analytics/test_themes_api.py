"""GET /api/v1/themes/ and `themes` on /api/v1/responses/: what an integration reads."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from analytics.themes import tagging
from analytics.themes.defaults import ensure_defaults
from tests.factories import AgentFactory, DepartmentFactory, InteractionFactory, ResponseFactory

URL = "/api/v1/themes/"
CONTRACT = {
    "key",
    "name",
    "mentions",
    "share",
    "share_ci_low",
    "share_ci_high",
    "nps_with",
    "nps_without",
    "points_lost",
}


def answer(department, agent, company: int, why: str, days_ago: int = 3):
    interaction = InteractionFactory(
        agent=agent, department=department, occurred_at=timezone.now() - timedelta(days=days_ago)
    )
    return ResponseFactory(invitation__interaction=interaction, company_score=company, agent_score=company, why=why)


@pytest.fixture
def crafted(postgres):
    ensure_defaults()
    billing, claims = DepartmentFactory(code="billing"), DepartmentFactory(code="claims")
    ana, budi = AgentFactory(external_id="ana", department=billing), AgentFactory(external_id="budi", department=claims)
    # Billing: 4 waits (all detractors), 4 without a theme (promoters), 2 with no comment (promoters).
    for _ in range(4):
        answer(billing, ana, 2, "waited an hour on hold")
    for _ in range(4):
        answer(billing, ana, 10, "all good")
    for _ in range(2):
        answer(billing, ana, 9, "")
    # Claims: 2 praise of the agent's attitude (promoters), 2 rude (detractors).
    answer(claims, budi, 10, "very friendly agent")
    answer(claims, budi, 9, "super helpful and kind")
    answer(claims, budi, 1, "rude agent")
    answer(claims, budi, 0, "the agent was rude and hung up")
    answer(claims, budi, 0, "waited forever", days_ago=200)  # outside the default 90 days
    tagging.tag_pending()
    return {"billing": billing, "claims": claims}


def rows(client, **params) -> dict[str, dict]:
    reply = client.get(URL, params)
    assert reply.status_code == 200, reply.content
    return {row["key"]: row for row in reply.json()}


def test_every_active_theme_is_listed_with_the_contract_fields(api, crafted):
    found = rows(api)
    assert set(found) >= {"wait_time", "attitude", "billing", "process"}
    for row in found.values():
        assert set(row) >= CONTRACT


def test_figures_counted_by_hand(api, crafted):
    wait = rows(api)["wait_time"]
    # 14 answers in 90 days, 12 with a why-text; 4 mention waiting, all detractors.
    assert wait["mentions"] == 4 and wait["comments"] == 12
    assert wait["share"] == pytest.approx(4 / 12, abs=1e-4)
    assert wait["share_ci_low"] < wait["share"] < wait["share_ci_high"]
    assert wait["nps_with"] == -100.0
    # Without: 8 promoters (4 + 2 + 2), 4 detractors (claims 2 rude... of 10) -> (8 - 2) / 10 = 60.
    assert wait["nps_without"] == 60.0
    everyone = 100 * (8 - 6) / 14
    assert wait["points_lost"] == pytest.approx(60.0 - everyone, abs=0.01)
    assert wait["points_lost_ci_low"] > 0
    assert (wait["praise"], wait["complaints"]) == (0, 4)
    attitude = rows(api)["attitude"]
    assert (attitude["mentions"], attitude["praise"], attitude["complaints"]) == (4, 2, 2)
    assert rows(api)["billing"]["mentions"] == 0 and rows(api)["billing"]["points_lost"] == 0.0


def test_department_agent_and_period_filters(api, crafted):
    assert rows(api, department="claims")["wait_time"]["mentions"] == 0
    assert rows(api, agent="ana")["wait_time"]["mentions"] == 4
    assert rows(api, agent="budi")["attitude"]["mentions"] == 4
    since = (timezone.localdate() - timedelta(days=365)).isoformat()
    assert rows(api, since=since)["wait_time"]["mentions"] == 5


def test_names_in_the_asked_language(api, crafted):
    assert rows(api, language="id")["billing"]["name"] == "Tagihan"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-13-01"}, "since"),
        ({"since": "2026-05-02", "until": "2026-05-01"}, "since"),
        ({"department": "nope"}, "department"),
        ({"agent": "nobody"}, "agent"),
        ({"question": "mood"}, "question"),
    ],
)
def test_bad_parameters_answer_400(api, crafted, params, field):
    reply = api.get(URL, params)
    assert reply.status_code == 400
    assert field in reply.json()


def test_without_credentials_401(crafted):
    assert APIClient().get(URL).status_code in (401, 403)


def test_a_supervisor_sees_only_their_departments(api, crafted):
    user = get_user_model().objects.create_user("sup")
    crafted["billing"].supervisors.add(user)
    client = APIClient()
    client.force_login(user)
    mine = rows(client)
    assert mine["wait_time"]["mentions"] == 4
    assert mine["attitude"]["mentions"] == 0
    assert client.get(URL, {"department": "claims"}).status_code == 403
    assert client.get(URL, {"agent": "budi"}).status_code == 403


def test_the_schema_documents_the_endpoint(api, crafted):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/themes/" in schema and "points_lost" in schema


# --- themes on /api/v1/responses/ -------------------------------------------------------------


def test_each_response_carries_its_theme_keys(api, crafted):
    results = api.get("/api/v1/responses/", {"page_size": 100}).json()["results"]
    by_text = {r["why"]: r["themes"] for r in results}
    assert by_text["waited an hour on hold"] == ["wait_time"]
    assert by_text["all good"] == []
    assert by_text["the agent was rude and hung up"] == ["attitude"]


def test_responses_filtered_by_theme_and_themes_in_csv(api, crafted):
    results = api.get("/api/v1/responses/", {"theme": "wait_time"}).json()["results"]
    assert len(results) == 5 and {r["themes"][0] for r in results} == {"wait_time"}  # no default period
    body = b"".join(api.get("/api/v1/responses/", {"format": "csv"}).streaming_content).decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(body)))
    assert "themes" in table[0]
    assert {row["themes"] for row in table if row["why"] == "rude agent"} == {'["attitude"]'}
