"""The champion plan, tracked: accepting an item records it (a move moves the agent, past
answers keep their department), and the before/after figures say whether it worked, with
adjusted-Wald intervals checked against values computed by hand."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from agents.models import Agent, AgentMove, Department
from agents.roles import ADMIN, SUPERVISOR, Viewer
from agents.services import department_on
from analytics import buckets, nps, plan_tracking
from analytics.models import PlanAction
from privacy.models import ChangeRecord
from surveys.models import Response
from tests.analytics.champion_data import add_answers, levels

pytestmark = pytest.mark.django_db
ADMIN_VIEWER = Viewer(role=ADMIN)


def at(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))


def plan_item(action: str, champion: Agent, target: Department, paired: list[Agent]) -> dict:
    """A plan item as the analysis gives it (analytics.champion_plan.PlanItem.as_dict)."""

    def agent(a: Agent) -> dict:
        return {"key": a.external_id, "name": a.name, "department": a.department.code, "department_name": "x"}

    return {
        "champion": {**agent(champion), "rank": 1},
        "action": action,
        "from_department": champion.department.code,
        "target_department": target.code,
        "target_department_name": target.name,
        "paired": [{**agent(a), "expected_gain": 5.0} for a in paired],
        "expected_effect": {"target_department_nps_change": 4.2, "company_nps_change": 0.3},
        "text": f"{action} {champion.name}",
    }


@pytest.fixture
def people(db):
    retention = Department.objects.create(code="retention", name="Retention")
    billing = Department.objects.create(code="billing", name="Billing")
    champion = Agent.objects.create(external_id="c-1", name="Cora Champion", department=retention)
    low = Agent.objects.create(external_id="l-1", name="Lou Lowscore", department=billing)
    boss = get_user_model().objects.create_user("boss", is_staff=True)
    return {"retention": retention, "billing": billing, "champion": champion, "low": low, "boss": boss}


def accept(people, item, *, start=None, viewer=ADMIN_VIEWER) -> PlanAction:
    return plan_tracking.accept(
        plan=[item],
        key=plan_tracking.item_key(item),
        start=start or timezone.localdate(),
        viewer=viewer,
        by=people["boss"],
        request=None,
    )


# --- Accepting -----------------------------------------------------------------------------------


def test_an_accepted_move_moves_the_agent_and_past_answers_stay_in_the_old_department(people, api):
    champion, retention, billing = people["champion"], people["retention"], people["billing"]
    yesterday = timezone.localdate() - timedelta(days=1)
    add_answers(champion, [10] * 6, when=at(yesterday))
    buckets.rebuild()
    before = plan_tracking._department_counts([retention.pk, billing.pk], plan_tracking.Window(yesterday, yesterday))

    action = accept(people, plan_item("move", champion, billing, [people["low"]]))

    champion.refresh_from_db()
    assert champion.department == billing
    move = AgentMove.objects.get(agent=champion)
    assert action.move == move and move.applied and move.from_department == retention
    assert department_on(champion, at(yesterday)) == retention
    assert set(Response.objects.filter(agent=champion).values_list("department__code", flat=True)) == {"retention"}
    buckets.rebuild()
    after = plan_tracking._department_counts([retention.pk, billing.pk], plan_tracking.Window(yesterday, yesterday))
    assert after == before and (retention.pk, "agent") in after and (billing.pk, "agent") not in after
    # The platform reports the champion's next call without a department: it counts in Billing.
    reply = api.post(
        "/api/v1/interactions/",
        {"external_id": "after-move-1", "agent": champion.external_id, "channel": "phone"},
        format="json",
    )
    assert reply.status_code == 201
    assert champion.interactions.get(external_id="after-move-1").department == billing
    record = ChangeRecord.objects.get(action="champion_plan.accepted")
    assert record.details["kind"] == "move" and record.details["to"] == "billing"
    assert record.actor == people["boss"]


def test_an_accepted_pairing_records_the_pair_and_moves_nobody(people):
    action = accept(people, plan_item("pair", people["champion"], people["billing"], [people["low"]]))

    assert action.kind == "pair" and list(action.paired.all()) == [people["low"]]
    assert action.from_department == people["retention"] and action.to_department == people["billing"]
    assert action.move is None and not AgentMove.objects.exists()
    people["champion"].refresh_from_db()
    assert people["champion"].department == people["retention"]


def test_accepting_the_same_champion_twice_is_refused_and_stores_nothing(people):
    item = plan_item("move", people["champion"], people["billing"], [people["low"]])
    accept(people, item)
    people["champion"].refresh_from_db()
    again = {**item, "from_department": "billing"}  # even if the page were reloaded after the move

    with pytest.raises(plan_tracking.PlanActionRefused) as refused:
        accept(people, again)

    assert refused.value.status == 409 and "already" in str(refused.value)
    assert PlanAction.objects.count() == 1 and AgentMove.objects.count() == 1
    assert ChangeRecord.objects.filter(action="champion_plan.accepted").count() == 1


def test_a_stale_item_is_refused(people):
    item = plan_item("pair", people["champion"], people["billing"], [people["low"]])
    with pytest.raises(plan_tracking.PlanActionRefused) as refused:
        plan_tracking.accept(
            plan=[item], key="pair:someone-else:billing:l-1", start=timezone.localdate(), viewer=ADMIN_VIEWER,
            by=people["boss"], request=None,
        )  # fmt: skip
    assert refused.value.status == 409
    # The champion moved since the plan was computed: the item no longer describes the company.
    Agent.objects.filter(pk=people["champion"].pk).update(department=people["billing"])
    with pytest.raises(plan_tracking.PlanActionRefused, match="no longer works"):
        accept(people, item)
    assert not PlanAction.objects.exists() and not ChangeRecord.objects.exists()


def test_a_refused_move_leaves_nothing_half_stored(people):
    """The agent already has a move on that day: the move service refuses, the item is not kept."""
    start = timezone.localdate() + timedelta(days=3)
    AgentMove.objects.create(
        agent=people["champion"], from_department=people["retention"], to_department=people["billing"],
        effective_from=start,
    )  # fmt: skip
    with pytest.raises(plan_tracking.PlanActionRefused):
        accept(people, plan_item("move", people["champion"], people["billing"], [people["low"]]), start=start)
    assert not PlanAction.objects.exists() and AgentMove.objects.count() == 1 and not ChangeRecord.objects.exists()


def test_a_start_date_out_of_range_is_a_400(people):
    item = plan_item("pair", people["champion"], people["billing"], [people["low"]])
    with pytest.raises(plan_tracking.PlanActionRefused) as refused:
        accept(people, item, start=timezone.localdate() + timedelta(days=plan_tracking.LATEST_START_DAYS + 1))
    assert refused.value.status == 400 and not PlanAction.objects.exists()


def test_a_supervisor_accepts_only_items_wholly_in_their_departments(people):
    user = get_user_model().objects.create_user("lead")
    people["billing"].supervisors.add(user)
    billing_only = Viewer(role=SUPERVISOR, department_ids=frozenset({people["billing"].pk}))
    both = Viewer(role=SUPERVISOR, department_ids=frozenset({people["billing"].pk, people["retention"].pk}))
    item = plan_item("pair", people["champion"], people["billing"], [people["low"]])

    with pytest.raises(PermissionDenied):
        accept(people, item, viewer=billing_only)
    assert not PlanAction.objects.exists()
    assert accept(people, item, viewer=both).kind == "pair"


# --- Undo and stop -------------------------------------------------------------------------------


def test_undoing_a_move_that_has_not_started_cancels_it(people):
    start = timezone.localdate() + timedelta(days=7)
    action = accept(people, plan_item("move", people["champion"], people["billing"], [people["low"]]), start=start)
    assert AgentMove.objects.filter(agent=people["champion"], applied=False).exists()

    plan_tracking.stop(action=action, undo=True, viewer=ADMIN_VIEWER, by=people["boss"], request=None)

    action.refresh_from_db()
    assert action.status == "undone" and not AgentMove.objects.exists()
    people["champion"].refresh_from_db()
    assert people["champion"].department == people["retention"]
    assert ChangeRecord.objects.filter(action="champion_plan.undone").exists()


def test_a_started_move_cannot_be_undone_but_tracking_can_stop_and_the_move_stays(people):
    action = accept(people, plan_item("move", people["champion"], people["billing"], [people["low"]]))

    with pytest.raises(plan_tracking.PlanActionRefused, match="not started"):
        plan_tracking.stop(action=action, undo=True, viewer=ADMIN_VIEWER, by=people["boss"], request=None)
    plan_tracking.stop(action=action, undo=False, viewer=ADMIN_VIEWER, by=people["boss"], request=None)

    action.refresh_from_db()
    assert action.status == "stopped" and action.stopped_by == people["boss"]
    people["champion"].refresh_from_db()
    assert people["champion"].department == people["billing"]
    assert plan_tracking.tracked(viewer=None) == []
    with pytest.raises(plan_tracking.PlanActionRefused, match="already stopped"):
        plan_tracking.stop(action=action, undo=False, viewer=ADMIN_VIEWER, by=people["boss"], request=None)
    # Stopped, the champion may be in a new accepted item.
    people["champion"].refresh_from_db()
    accept(people, plan_item("pair", people["champion"], people["retention"], [people["low"]]))


# --- Before and after ----------------------------------------------------------------------------


def test_before_and_after_of_a_pairing_with_hand_computed_intervals(people):
    """Started 6 days ago: after = 7 days (start..today), before = the 7 days before the start.

    Lou before: 2 promoters, 2 passives, 6 detractors (NPS −40); after: 8, 1, 1 (NPS +70).
    Adjusted-Wald by hand: before n' = 13, p' = 2.75/13, d' = 6.75/13, centre −30.77,
    variance (p' + d' − (p' − d')²)/13 = 0.048930, interval −30.77 ± 196·0.22120 = −74.1 to 12.6.
    After p' = 8.75/13, d' = 1.75/13, centre 53.85, variance 0.039827, ± 39.12 = 14.7 to 93.0.
    Change: 84.62 ± 196·sqrt(0.088757) = 84.62 ± 58.39 = 26.2 to 143.0: outside the noise, worked.
    Cora (the champion) before 5, 3, 2 (NPS 30), after 6, 2, 2 (NPS 40): change −52.8 to 68.1, noise.
    """
    today = timezone.localdate()
    start = today - timedelta(days=6)
    low, champion = people["low"], people["champion"]
    add_answers(low, levels(2, 2, 6), when=at(start - timedelta(days=3)))
    add_answers(low, levels(8, 1, 1), when=at(start + timedelta(days=1)))
    add_answers(champion, levels(5, 3, 2), when=at(start - timedelta(days=7)))  # first day of "before"
    add_answers(champion, levels(6, 2, 2), when=at(today))
    add_answers(low, levels(9, 0, 0), when=at(start - timedelta(days=8)))  # one day too early: not counted
    buckets.rebuild()
    accept(people, plan_item("pair", champion, people["billing"], [low]), start=start)

    [item] = plan_tracking.tracked(viewer=None, today=today)

    first, last = start - timedelta(days=7), start - timedelta(days=1)
    assert item["before"] == {"since": first.isoformat(), "until": last.isoformat(), "days": 7}
    assert item["after"] == {"since": start.isoformat(), "until": today.isoformat(), "days": 7}
    rows = {(m["role"], m["question"]): m for m in item["measures"]}
    lou = rows[("paired", "agent")]
    assert lou["name"] == "Lou Lowscore"
    assert (lou["before"]["n"], lou["before"]["nps"], lou["before"]["ci_low"], lou["before"]["ci_high"]) == (
        10, -40.0, -74.1, 12.6
    )  # fmt: skip
    assert (lou["after"]["n"], lou["after"]["nps"], lou["after"]["ci_low"], lou["after"]["ci_high"]) == (
        10, 70.0, 14.7, 93.0
    )  # fmt: skip
    assert (lou["change"], lou["change_ci_low"], lou["change_ci_high"]) == (110.0, 26.2, 143.0)
    assert lou["verdict"] == "worked" and lou["verdict_label"] == "worked"
    cora = rows[("champion", "agent")]
    assert (cora["before"]["nps"], cora["after"]["nps"], cora["change"]) == (30.0, 40.0, 10.0)
    assert (cora["change_ci_low"], cora["change_ci_high"]) == (-52.8, 68.1)
    assert cora["verdict"] == "within_noise" and cora["verdict_label"] == "too early / within noise"
    # Billing holds only Lou: the department's agent question is Lou's; company scores were all 9.
    billing_agent, billing_company = rows[("to", "agent")], rows[("to", "company")]
    assert billing_agent["before"]["n"] == 10 and billing_agent["change"] == 110.0
    assert billing_company["before"]["nps"] == 100.0 and billing_company["verdict"] == "within_noise"
    assert rows[("from", "agent")]["name"] == "Retention"
    # A pairing is judged on the paired agents.
    assert item["result"]["measure"].startswith("the paired agents") and item["result"]["verdict"] == "worked"


def test_a_drop_outside_the_noise_made_it_worse_and_no_answers_says_so():
    assert plan_tracking.verdict(nps.Counts(9, 1, 0), nps.Counts(1, 2, 7)) == "worse"  # change −165 to −65
    assert plan_tracking.verdict(nps.Counts(5, 3, 2), nps.Counts(6, 2, 2)) == "within_noise"
    assert plan_tracking.verdict(nps.Counts(), nps.Counts(3, 0, 0)) == "no_answers"
    assert plan_tracking.windows(date(2026, 3, 10), date(2026, 3, 9)) is None  # not started
    before, after = plan_tracking.windows(date(2026, 3, 10), date(2026, 3, 10))
    assert (before.since, before.until, after.days) == (date(2026, 3, 9), date(2026, 3, 9), 1)


def test_a_move_not_started_yet_is_listed_without_figures(people):
    start = timezone.localdate() + timedelta(days=2)
    accept(people, plan_item("move", people["champion"], people["billing"], [people["low"]]), start=start)
    [item] = plan_tracking.tracked(viewer=None)
    assert item["after"] is None and item["result"]["verdict"] == "not_started"
    assert all("before" not in m for m in item["measures"])


def test_a_supervisor_sees_other_departments_agents_only_as_an_agent_in(people):
    accept(people, plan_item("pair", people["champion"], people["billing"], [people["low"]]))
    billing_only = Viewer(role=SUPERVISOR, department_ids=frozenset({people["billing"].pk}))
    elsewhere = Department.objects.create(code="claims", name="Claims")

    [item] = plan_tracking.tracked(viewer=billing_only)

    assert item["champion"] == {"key": None, "name": "an agent in Retention", "department": "retention",
                                "hidden": True, "pk": None}  # fmt: skip
    assert "Cora" not in str(item) and "c-1" not in str(item) and item["expected"] == {}
    hidden = [m for m in item["measures"] if m["hidden"]]
    assert {m["role"] for m in hidden} == {"champion", "from"} and all("after" not in m for m in hidden)
    assert plan_tracking.tracked(viewer=Viewer(role=SUPERVISOR, department_ids=frozenset({elsewhere.pk}))) == []
