"""GET /api/v1/champions/: the ranking, concentration and plan over a period, for integrations."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from analytics import buckets, champions
from tests.analytics.champion_data import concentrated_company
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/champions/"


def test_champions_answers_the_ranking_concentration_and_plan(api):
    concentrated_company()
    buckets.rebuild()
    today = timezone.localdate()

    response = api.get(
        URL, {"since": (today - timedelta(days=6)).isoformat(), "until": today.isoformat(), "min_responses": 10}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["period"] == {"since": (today - timedelta(days=6)).isoformat(), "until": today.isoformat()}
    assert body["parameters"]["min_responses"] == 10 and body["parameters"]["top_n"] == 20
    first = body["ranking"][0]
    assert set(first) >= {"rank", "key", "name", "department", "n", "nps", "ci_low", "ci_high", "shrunk_nps"}
    assert first["rank"] == 1 and first["department"] == "retention"
    assert body["concentrated"] is True and body["summary"].startswith("15 of the top 20")
    assert {"department", "ranked_agents", "champions", "expected_champions", "tail_probability"} <= set(
        body["concentration"][0]
    )
    assert body["plan"] and {"champion", "action", "target_department", "paired", "expected_effect", "text"} <= set(
        body["plan"][0]
    )
    assert isinstance(body["prior_weight"], float) and body["company_agent_nps"] == pytest.approx(28.9, abs=0.1)
    assert body["not_enough_answers"] == []
    assert {"company", "departments", "agents"} <= set(body["gaps"])


def test_top_n_and_minimum_come_from_the_query(api):
    concentrated_company()
    buckets.rebuild()

    body = api.get(URL, {"top_n": 5, "min_responses": 11}).json()

    assert body["parameters"] == {**body["parameters"], "top_n": 5, "min_responses": 11}
    assert body["ranking"] == []  # 10 answers each: below the minimum of 11
    assert len(body["not_enough_answers"]) == 76

    body = api.get(URL, {"top_n": 5, "min_responses": 10}).json()
    assert sum(row["champion"] for row in body["ranking"]) == 5


def test_defaults_cover_the_last_ninety_days(api):
    body = api.get(URL).json()

    today = timezone.localdate()
    assert body["period"] == {"since": (today - timedelta(days=89)).isoformat(), "until": today.isoformat()}
    assert body["parameters"]["min_responses"] == 30 and body["parameters"]["top_n"] == 20
    assert body["ranking"] == [] and body["plan"] == [] and body["plan_reason"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2025-03-10", "until": "2025-03-01"}, "since"),
        ({"since": "10/03/2025"}, "since"),
        ({"until": "2025-02-30"}, "until"),
        ({"top_n": "0"}, "top_n"),
        ({"top_n": "abc"}, "top_n"),
        ({"top_n": "201"}, "top_n"),
        ({"min_responses": "-3"}, "min_responses"),
        ({"min_responses": "many"}, "min_responses"),
    ],
)
def test_bad_parameters_answer_400_naming_the_field(api, params, field):
    response = api.get(URL, params)

    assert response.status_code == 400
    assert field in response.json()


def test_without_a_token_the_champions_are_not_shown(db):
    response = APIClient().get(URL)

    assert response.status_code == 401
    assert "ranking" not in response.json()


def test_a_supervisor_session_sees_department_counts_but_only_their_own_agents(db):
    departments = concentrated_company()
    buckets.rebuild()
    lead = get_user_model().objects.create_user("claims-lead", password="pw-claims-123")
    departments["claims"].supervisors.add(lead)
    client = APIClient()
    client.force_authenticate(lead)

    data = client.get(URL, {"min_responses": 10}).json()

    assert {r["department"] for r in data["ranking"]} == {"claims"}
    assert {d["department"] for d in data["concentration"]} == {"retention", "claims", "sales", "billing"}
    assert data["concentrated_department"] == "retention"
    assert all("claims" in (i["from_department"], i["target_department"]) for i in data["plan"])
    assert {g["department"] for g in data["gaps"]["agents"]} <= {"claims"}


def test_a_supervisors_plan_names_no_agent_of_another_department(db):
    departments = concentrated_company()
    buckets.rebuild()
    lead = get_user_model().objects.create_user("claims-lead", password="pw-claims-123")
    departments["claims"].supervisors.add(lead)
    client = APIClient()
    client.force_authenticate(lead)
    reply = client.get(URL, {"min_responses": 10})
    period = {k: date.fromisoformat(v) for k, v in reply.json()["period"].items()}
    everything = champions.analyse(**period, min_responses=10).as_dict()
    outsiders = {
        a["name"]
        for item in everything["plan"]
        for a in [item["champion"], *item["paired"]]
        if a["department"] != "claims"
    }

    text = reply.content.decode()
    plan = reply.json()["plan"]

    assert plan and outsiders  # the plan pairs Claims with champions of Retention
    assert not any(name in text for name in outsiders)
    for item in plan:
        for agent in [item["champion"], *item["paired"]]:
            if agent["department"] != "claims":
                assert agent["key"] is None and agent["nps"] is None and agent["n"] is None
                assert agent["name"].startswith("an agent in ")


def test_an_agent_session_is_refused_the_champions(db):
    user = get_user_model().objects.create_user("agent-x", password="pw-agent-123")
    AgentFactory(user=user)
    client = APIClient()
    client.force_authenticate(user)

    assert client.get(URL).status_code == 403
