"""Company-vs-agent gap: whether a low score comes from the agent or from the company."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics import buckets, champions, gaps
from tests.analytics.champion_data import add_answers
from tests.factories import AgentFactory, DepartmentFactory, ResponseFactory

pytestmark = pytest.mark.django_db


def period() -> dict:
    today = timezone.localdate()
    return {"since": today - timedelta(days=29), "until": today}


def _two_teams():
    claims = DepartmentFactory(code="claims", name="Claims")
    sales = DepartmentFactory(code="sales", name="Sales")
    liked_agent = AgentFactory(name="Liked Agent", department=claims)
    weak_agent = AgentFactory(name="Weak Agent", department=sales)
    # Customers love the agent but not the company: agent NPS 100, company NPS −100.
    add_answers(liked_agent, [10] * 12, company_scores=[2] * 12)
    # The company is fine, the agent is not: agent NPS −50, company NPS 50.
    add_answers(weak_agent, [3] * 9 + [8] * 3, company_scores=[10] * 9 + [8] * 3)
    buckets.rebuild()
    return claims, sales, liked_agent, weak_agent


def test_the_gap_tells_an_agent_problem_from_a_company_problem():
    _claims, _sales, liked, weak = _two_teams()

    result = gaps.gaps(**period(), min_responses=10)

    agents = {row["key"]: row for row in result["agents"]}
    assert agents[liked.external_id] == {
        "key": liked.external_id,
        "name": "Liked Agent",
        "department": "claims",
        "n": 12,
        "agent_nps": 100.0,
        "company_nps": -100.0,
        "gap": 200.0,
        "weaker": "company",
    }
    assert (agents[weak.external_id]["agent_nps"], agents[weak.external_id]["company_nps"]) == (-75.0, 75.0)
    assert agents[weak.external_id]["gap"] == -150.0
    assert agents[weak.external_id]["weaker"] == "agent"
    assert [row["key"] for row in result["agents"]] == [weak.external_id, liked.external_id]  # agent-driven first


def test_department_and_company_gaps_sum_their_answers():
    _two_teams()

    result = gaps.gaps(**period(), min_responses=10)

    departments = {row["key"]: row for row in result["departments"]}
    assert (departments["claims"]["gap"], departments["sales"]["gap"]) == (200.0, -150.0)
    company = result["company"]
    assert (company["n"], company["agent_nps"], company["company_nps"]) == (24, 12.5, -12.5)
    assert company["gap"] == 25.0


def test_a_small_gap_or_a_thin_sample_is_not_labelled():
    department = DepartmentFactory(code="care", name="Care")
    close = AgentFactory(name="Close Call", department=department)
    thin = AgentFactory(name="Thin Sample", department=department)
    add_answers(close, [10] * 10 + [8] * 10, company_scores=[10] * 9 + [8] * 11)  # gap +5
    ResponseFactory(invitation__interaction__agent=thin, agent_score=2, company_score=10)  # gap −200 on one answer
    buckets.rebuild()

    agents = {row["key"]: row for row in gaps.gaps(**period(), min_responses=5)["agents"]}

    assert agents[close.external_id]["gap"] == 5.0 and agents[close.external_id]["weaker"] is None
    assert agents[thin.external_id]["gap"] == -200.0 and agents[thin.external_id]["weaker"] is None


def test_gaps_follow_the_department_snapshot_and_the_agent_across_moves():
    claims = DepartmentFactory(code="claims", name="Claims")
    sales = DepartmentFactory(code="sales", name="Sales")
    mover = AgentFactory(name="Mover", department=sales)
    add_answers(mover, [3] * 4, company_scores=[10] * 4, department=claims, when=timezone.now() - timedelta(days=9))
    add_answers(mover, [10] * 4, company_scores=[10] * 4)
    buckets.rebuild()

    result = gaps.gaps(**period())

    departments = {row["key"]: row for row in result["departments"]}
    assert (departments["claims"]["n"], departments["claims"]["gap"]) == (4, -200.0)
    assert (departments["sales"]["n"], departments["sales"]["gap"]) == (4, 0.0)
    (agent,) = result["agents"]
    assert (agent["department"], agent["n"], agent["agent_nps"], agent["gap"]) == ("sales", 8, 0.0, -100.0)


def test_the_champion_payload_carries_the_same_gaps():
    _two_teams()

    payload = champions.analyse(**period(), min_responses=10).as_dict()

    assert payload["gaps"] == gaps.gaps(**period(), min_responses=10)
