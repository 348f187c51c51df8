"""Champions: a sample-size-aware ranking, department concentration, and a plan to spread them."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics import buckets, champions, tasks
from analytics.models import ChampionSnapshot
from tests.analytics.champion_data import add_answers, balanced_company, concentrated_company, levels
from tests.factories import AgentFactory, DepartmentFactory

pytestmark = pytest.mark.django_db


def period() -> dict:
    today = timezone.localdate()
    return {"since": today - timedelta(days=29), "until": today}


def test_fifteen_of_the_top_twenty_in_one_department_is_flagged_with_its_odds():
    concentrated_company()
    buckets.rebuild()

    result = champions.analyse(**period(), min_responses=10, top_n=20).as_dict()

    assert result["concentrated"] is True
    assert result["concentrated_department"] == "retention"
    assert result["summary"].startswith("15 of the top 20 agents work in Retention, which has 21 % of ranked agents")
    retention = result["concentration"][0]
    assert retention["department"] == "retention"
    assert (retention["ranked_agents"], retention["champions"]) == (16, 15)
    assert retention["expected_champions"] == pytest.approx(20 * 16 / 76, abs=0.01)
    assert retention["tail_probability"] < 1e-6
    assert "1 in" in result["summary"]
    assert [row["rank"] for row in result["ranking"]] == list(range(1, 77))
    assert sum(row["champion"] for row in result["ranking"]) == 20


def test_the_plan_pairs_or_moves_surplus_champions_to_other_departments_low_scorers():
    concentrated_company()
    buckets.rebuild()

    result = champions.analyse(**period(), min_responses=10, top_n=20).as_dict()

    plan = result["plan"]
    assert plan, result["plan_reason"]
    fair_share = 5  # ceil(20 × 16/76)
    assert f"its fair share is {fair_share}" in result["plan_reason"]
    assert len(plan) == 15 - fair_share
    company = result["company_agent_nps"]
    paired_keys = [p["key"] for item in plan for p in item["paired"]]
    assert len(paired_keys) == len(set(paired_keys)), "each low scorer is paired once"
    for item in plan:
        assert item["champion"]["department"] == "retention"
        assert item["champion"]["rank"] <= 20
        assert item["target_department"] != "retention"
        assert 1 <= len(item["paired"]) <= 2
        for low in item["paired"]:
            assert low["department"] == item["target_department"]
            assert low["shrunk_nps"] < company
            assert low["expected_gain"] == pytest.approx(0.25 * (company - low["shrunk_nps"]), abs=0.1)
        assert item["expected_effect"]["target_department_nps_change"] > 0
        assert item["champion"]["name"] in item["text"] and item["target_department_name"] in item["text"]
        assert "points" in item["text"]
    # Billing has the most low scorers and no champion at all: it gets one moved in first.
    assert plan[0]["action"] == "move" and plan[0]["target_department"] == "billing"
    assert plan[0]["expected_effect"]["source_department_nps_change"] < 0
    # Claims and Sales already have champions: theirs are pairings.
    assert {i["action"] for i in plan if i["target_department"] in ("claims", "sales")} == {"pair"}
    assert {i["target_department"] for i in plan} == {"billing", "claims", "sales"}
    # The best Retention champions stay home.
    assert all(item["champion"]["rank"] > fair_share for item in plan)


def test_a_balanced_top_twenty_is_not_concentrated_and_has_no_plan():
    balanced_company()
    buckets.rebuild()

    result = champions.analyse(**period(), min_responses=10, top_n=20).as_dict()

    assert result["concentrated"] is False
    assert result["concentrated_department"] is None
    assert [d["champions"] for d in result["concentration"]] == [5, 5, 5, 5]
    assert result["summary"].startswith("The top 20 agents are spread across departments")
    assert result["plan"] == []
    assert result["plan_reason"] == "No plan needed: the top 20 are not concentrated in one department."


def _three_perfect_and_two_hundred_strong():
    department = DepartmentFactory(code="care", name="Care")
    perfect = AgentFactory(name="Perfect Three", department=department)
    strong = AgentFactory(name="Strong Many", department=department)
    add_answers(perfect, [10, 10, 10])
    add_answers(strong, levels(170, 30, 0))  # 85 % promoters, NPS 85
    for name, level in (("Mid A", (6, 8, 6)), ("Mid B", (8, 8, 4)), ("Mid C", (4, 8, 8))):
        add_answers(AgentFactory(name=name, department=department), levels(*level))
    buckets.rebuild()
    return perfect, strong


def test_three_perfect_answers_do_not_outrank_two_hundred_strong_ones():
    perfect, strong = _three_perfect_and_two_hundred_strong()

    result = champions.analyse(**period(), min_responses=1, top_n=20).as_dict()

    ranks = {row["key"]: row for row in result["ranking"]}
    assert ranks[perfect.external_id]["nps"] == 100.0
    assert ranks[strong.external_id]["nps"] == 85.0
    assert ranks[strong.external_id]["rank"] < ranks[perfect.external_id]["rank"]
    assert ranks[perfect.external_id]["shrunk_nps"] < ranks[strong.external_id]["shrunk_nps"]
    # The adjusted-Wald interval of three perfect answers is wide, never [100, 100].
    assert ranks[perfect.external_id]["ci_low"] < ranks[strong.external_id]["ci_low"]
    assert ranks[perfect.external_id]["ci_high"] == 100.0


def test_agents_below_the_minimum_are_listed_as_not_enough_answers_never_ranked():
    perfect, strong = _three_perfect_and_two_hundred_strong()
    idle = AgentFactory(name="No Answers Yet")

    result = champions.analyse(**period()).as_dict()  # default minimum: 30 answers

    assert result["parameters"]["min_responses"] == 30
    assert [row["key"] for row in result["ranking"]] == [strong.external_id]
    waiting = {row["key"]: row for row in result["not_enough_answers"]}
    assert waiting[perfect.external_id]["n"] == 3
    assert waiting[perfect.external_id]["answers_needed"] == 27
    assert "rank" not in waiting[perfect.external_id]
    assert waiting[idle.external_id]["n"] == 0 and waiting[idle.external_id]["nps"] is None


def test_an_agent_who_moved_is_ranked_once_in_their_current_department():
    claims, sales = DepartmentFactory(code="claims", name="Claims"), DepartmentFactory(code="sales", name="Sales")
    mover = AgentFactory(name="Mover", department=sales)
    add_answers(mover, levels(5, 0, 0), department=claims, when=timezone.now() - timedelta(days=20))
    add_answers(mover, levels(4, 1, 0))
    for i in range(3):
        add_answers(AgentFactory(name=f"Claims {i}", department=claims), levels(3, 1, 1 + i))
    buckets.rebuild()

    result = champions.analyse(**period(), min_responses=5, top_n=2).as_dict()

    rows = [row for row in result["ranking"] if row["key"] == mover.external_id]
    assert len(rows) == 1
    assert (rows[0]["n"], rows[0]["nps"], rows[0]["department"]) == (10, 90.0, "sales")
    sales_share = next(d for d in result["concentration"] if d["department"] == "sales")
    assert (sales_share["ranked_agents"], sales_share["champions"]) == (1, 1)


def test_nobody_ranked_yet_says_so_plainly():
    AgentFactory(name="New Starter")

    result = champions.analyse(**period()).as_dict()

    assert result["ranking"] == [] and result["plan"] == []
    assert result["concentrated"] is False
    assert result["summary"] == (
        "Nobody has 30 or more answers on the agent question in this period, so nobody is ranked."
    )
    assert result["company_agent_nps"] is None


def test_the_analysis_takes_the_same_few_queries_for_few_or_many_agents():
    def queries_for(agent_count: int) -> int:
        department = DepartmentFactory()
        for i in range(agent_count):
            add_answers(AgentFactory(department=department), levels(3, 1, i % 3))
        buckets.rebuild()
        with CaptureQueriesContext(connection) as captured:
            champions.analyse(**period(), min_responses=1, top_n=3)
        return len(captured)

    few = queries_for(4)
    many = queries_for(24)
    assert few == many <= 4


def test_beat_stores_a_snapshot_of_the_default_period():
    concentrated_company()
    buckets.rebuild()

    pk = tasks.refresh_champions.delay().get()

    snapshot = ChampionSnapshot.objects.get(pk=pk)
    today = timezone.localdate()
    assert (snapshot.since, snapshot.until) == (today - timedelta(days=89), today)
    assert (snapshot.min_responses, snapshot.top_n) == (30, 20)
    assert snapshot.data["period"] == {"since": snapshot.since.isoformat(), "until": today.isoformat()}
    # Ten answers each is below the default minimum of 30: everyone waits, nobody is ranked.
    assert snapshot.data["ranking"] == [] and len(snapshot.data["not_enough_answers"]) == 76


def test_a_snapshot_for_a_given_day_covers_the_ninety_days_up_to_it(settings):
    settings.CHAMPION_MIN_RESPONSES = 10
    concentrated_company()
    buckets.rebuild()
    today = timezone.localdate()

    snapshot = champions.refresh_snapshot(today=today)

    assert ChampionSnapshot.objects.latest() == snapshot
    assert snapshot.min_responses == 10
    assert snapshot.data["concentrated"] is True
    assert snapshot.data["summary"].startswith("15 of the top 20")
    answered_on = today - timedelta(days=1)
    assert len(champions.refresh_snapshot(today=answered_on + timedelta(days=89)).data["ranking"]) == 76
    assert champions.refresh_snapshot(today=answered_on + timedelta(days=90)).data["ranking"] == []
    assert champions.refresh_snapshot(today=answered_on - timedelta(days=1)).data["ranking"] == []
