"""The plan on the champions page as rows to accept, and the accepted items tracked: who may
accept what, what a refused request answers (and that it stores nothing), and the API field."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from agents.models import Agent
from analytics import buckets, champions, plan_tracking
from analytics.dashboard.champions import concentration_figure
from analytics.models import PlanAction
from privacy.models import ChangeRecord
from tests.analytics.champion_data import concentrated_company
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db
PAGE = "/dashboard/champions/"
ACCEPT = "/dashboard/champions/plan/accept/"
User = get_user_model()


@pytest.fixture
def company(settings):
    settings.CHAMPION_MIN_RESPONSES = 10
    settings.CHAMPION_TOP_N = 20
    departments = concentrated_company()
    buckets.rebuild()
    return departments


def plan() -> list[dict]:
    today = timezone.localdate()
    return champions.analyse(since=today - timedelta(days=89), until=today).as_dict()["plan"]


def first(action: str, target: str) -> dict:
    return next(i for i in plan() if i["action"] == action and i["target_department"] == target)


def supervisor_of(*departments) -> User:
    user = User.objects.create_user("lead-" + "-".join(d.code for d in departments))
    for department in departments:
        department.supervisors.add(user)
    return user


def test_each_plan_item_is_a_short_row_with_an_accept_button(client, admin_user, company):
    client.force_login(admin_user)
    html = client.get(PAGE).content.decode()
    items = plan()
    assert html.count('class="plan-row"') == len(items) and html.count('class="button">Accept<span') == len(items)
    move = first("move", "billing")
    assert f'value="{plan_tracking.item_key(move)}"' in html
    # The long explanation is folded away under each row.
    assert html.count("<summary>Why and how much</summary>") == len(items)


def test_admin_accepts_a_move_the_agent_moves_and_the_page_tracks_it(client, admin_user, company):
    client.force_login(admin_user)
    move = first("move", "billing")
    key = plan_tracking.item_key(move)

    reply = client.post(ACCEPT, {"item": key, "start": timezone.localdate().isoformat()})

    assert reply.status_code == 302 and reply["Location"] == f"{PAGE}#tracked"
    champion = Agent.objects.get(external_id=move["champion"]["key"])
    assert champion.department.code == "billing"
    action = PlanAction.objects.get()
    assert (action.kind, action.from_department.code, action.to_department.code) == ("move", "retention", "billing")
    assert ChangeRecord.objects.filter(action="champion_plan.accepted", target_id=str(action.pk)).exists()
    html = client.get(PAGE).content.decode()
    assert "Accepted plan items: did they work?" in html and champion.name in html
    # Started today: after is today (no answers yet), before the day before, both stated.
    assert "no answers yet" in html and "(1 day each)" in html
    assert f'action="/dashboard/champions/plan/{action.pk}/stop/"' in html
    # In Indonesian and Spanish the new strings are translated.
    indonesian = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Item rencana yang diterima: apakah berhasil?" in indonesian and "masing-masing 1 hari" in indonesian
    assert "aún sin respuestas" in client.get(PAGE, HTTP_ACCEPT_LANGUAGE="es").content.decode()


def test_accepting_twice_a_stale_item_or_bad_input_answer_4xx_and_store_nothing(client, admin_user, company):
    client.force_login(admin_user)
    key = plan_tracking.item_key(first("pair", "claims"))
    assert client.post(ACCEPT, {"item": key}).status_code == 302  # no start: today

    again = client.post(ACCEPT, {"item": key})
    assert again.status_code == 409 and "already in an accepted plan item" in again.content.decode()
    stale = client.post(ACCEPT, {"item": "pair:nobody:claims:x"})
    assert stale.status_code == 409 and "not in the current plan" in stale.content.decode()
    other = plan_tracking.item_key(first("pair", "sales"))
    for bad in ({}, {"item": other, "start": "31/12/2026"}, {"item": other, "start": "2020-01-01"}):
        assert client.post(ACCEPT, bad).status_code == 400, bad
    assert client.get(ACCEPT).status_code == 405
    assert PlanAction.objects.count() == 1
    assert ChangeRecord.objects.filter(action__startswith="champion_plan.").count() == 1


def test_an_agent_gets_403_and_anonymous_visitors_the_login(client, company):
    user = User.objects.create_user("agent-login")
    AgentFactory(name="Agent Login", user=user)
    key = plan_tracking.item_key(first("move", "billing"))
    assert client.post(ACCEPT, {"item": key}).status_code == 302  # anonymous: to the login
    client.force_login(user)
    assert client.post(ACCEPT, {"item": key}).status_code == 403
    assert not PlanAction.objects.exists()


def test_a_supervisor_accepts_only_items_wholly_inside_their_departments(client, company):
    client.force_login(supervisor_of(company["retention"], company["billing"]))
    to_billing, to_claims = first("move", "billing"), first("pair", "claims")
    html = client.get(PAGE).content.decode()
    assert plan_tracking.item_key(to_billing) in html and plan_tracking.item_key(to_claims) not in html

    assert client.post(ACCEPT, {"item": plan_tracking.item_key(to_claims)}).status_code == 403
    assert not PlanAction.objects.exists()
    assert client.post(ACCEPT, {"item": plan_tracking.item_key(to_billing)}).status_code == 302
    assert PlanAction.objects.get().to_department == company["billing"]


def test_a_billing_supervisor_sees_the_tracked_pairing_without_the_other_departments_champion(
    client, admin_user, company
):
    client.force_login(admin_user)
    pairing = next(i for i in plan() if i["action"] == "pair" and i["target_department"] == "billing")
    assert client.post(ACCEPT, {"item": plan_tracking.item_key(pairing)}).status_code == 302
    assert "Accepted and tracked" in client.get(PAGE).content.decode()  # the admin reads the message
    action = PlanAction.objects.get()

    client.force_login(supervisor_of(company["billing"]))
    html = client.get(PAGE).content.decode()
    assert "Accepted plan items: did they work?" in html
    assert pairing["champion"]["name"] not in html and pairing["champion"]["key"] not in html
    assert "an agent in Retention" in html and pairing["paired"][0]["name"] in html
    assert f"/plan/{action.pk}/stop/" not in html  # not wholly theirs: no buttons
    assert client.post(f"/dashboard/champions/plan/{action.pk}/stop/", {"action": "stop"}).status_code == 403
    action.refresh_from_db()
    assert action.status == "tracking"


def test_admin_stops_tracking_and_the_item_leaves_the_page(client, admin_user, company):
    client.force_login(admin_user)
    assert client.post(ACCEPT, {"item": plan_tracking.item_key(first("pair", "sales"))}).status_code == 302
    action = PlanAction.objects.get()
    url = f"/dashboard/champions/plan/{action.pk}/stop/"

    assert client.post(url, {"action": "undo"}).status_code == 409  # started today: only stop
    assert client.post(url, {"action": "stop"}).status_code == 302
    assert client.post(url, {"action": "stop"}).status_code == 409
    assert client.post("/dashboard/champions/plan/999999/stop/", {"action": "stop"}).status_code == 404
    action.refresh_from_db()
    assert action.status == "stopped"
    assert "Accepted plan items" not in client.get(PAGE).content.decode()


def test_the_api_lists_tracked_items_additively_and_scoped(client, api, admin_user, company):
    client.force_login(admin_user)
    pairing = next(i for i in plan() if i["action"] == "pair" and i["target_department"] == "billing")
    client.post(ACCEPT, {"item": plan_tracking.item_key(pairing)})
    client.get(PAGE)  # the admin reads the message

    body = api.get("/api/v1/champions/").json()
    assert {"ranking", "concentration", "plan", "summary"} <= set(body)  # the contract stays
    [item] = body["tracked"]
    assert item["kind"] == "pair" and item["champion"]["key"] == pairing["champion"]["key"]
    assert {m["role"] for m in item["measures"]} == {"champion", "paired", "from", "to"}
    assert item["after"]["days"] == 1 and item["result"]["measure"].startswith("the paired agents")

    client.force_login(supervisor_of(company["billing"]))
    [seen] = client.get("/api/v1/champions/").json()["tracked"]
    assert seen["champion"]["hidden"] is True and seen["champion"]["key"] is None
    assert pairing["champion"]["name"] not in str(seen)

    schema = client.get("/api/schema/").content.decode()
    assert "TrackedItem" in schema and "tracked" in schema


def test_the_concentration_chart_leaves_room_for_long_department_labels():
    rows = [{"name": f"Department with a long name {i}", "champions": i, "expected_champions": 1.0} for i in range(6)]
    layout = concentration_figure(rows)["layout"]
    assert layout["xaxis"]["automargin"] is True and layout["xaxis"]["tickangle"] == -30
    assert layout["yaxis"]["automargin"] is True and layout["legend"]["yanchor"] == "bottom"
