"""Moving an agent to another department from a given day: interactions on and after that
day count for the new department, earlier ones (even recorded later) for the old one; past
interactions keep their snapshot; a move dated in the future takes effect on its day."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from agents import services
from agents.models import Agent, AgentMove
from agents.services import local_day
from surveys.services import InteractionInput, record_interaction
from tests.factories import AgentFactory, DepartmentFactory, InteractionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="olivia", is_staff=True))
    return client


@pytest.fixture
def billing():
    return DepartmentFactory(code="billing", name="Billing")


@pytest.fixture
def retention():
    return DepartmentFactory(code="retention", name="Retention")


@pytest.fixture
def budi(billing):
    return AgentFactory(external_id="a-1", name="Budi Santoso", department=billing)


def record(external_id: str, occurred_at: datetime):
    return record_interaction(
        InteractionInput(external_id=external_id, channel="phone", agent="a-1", occurred_at=occurred_at)
    ).interaction


def test_a_move_from_a_past_day_switches_the_agent_and_sorts_interactions_by_when_they_happened(
    staff_client, budi, billing, retention
):
    now = timezone.now()
    earlier = InteractionFactory(agent=budi, department=billing, occurred_at=now - timedelta(days=3))
    moved_on = local_day(now) - timedelta(days=10)

    reply = staff_client.post(
        f"/manage/agents/{budi.pk}/",
        {"action": "move", "to_department": retention.pk, "effective_from": moved_on.isoformat(), "note": "Promoted"},
        follow=True,
    )

    assert "moves to Retention from today" in reply.content.decode()
    budi.refresh_from_db()
    assert budi.department == retention
    move = AgentMove.objects.get()
    assert (move.from_department, move.to_department, move.applied) == (billing, retention, True)
    assert move.created_by.username == "olivia" and move.note == "Promoted"
    earlier.refresh_from_db()
    assert earlier.department == billing, "interactions already recorded keep their department"
    assert record("late-report", now - timedelta(days=20)).department == billing  # before the move
    assert record("after-move", now - timedelta(days=5)).department == retention


def test_a_future_move_applies_on_its_day(staff_client, budi, billing, retention):
    today = local_day(timezone.now())
    starts = today + timedelta(days=3)

    staff_client.post(
        f"/manage/agents/{budi.pk}/",
        {"action": "move", "to_department": retention.pk, "effective_from": starts.isoformat()},
    )

    budi.refresh_from_db()
    assert budi.department == billing, "not yet"
    assert record("today", timezone.now()).department == billing
    listing = staff_client.get("/manage/agents/").content.decode()
    assert "moves to Retention on" in listing

    assert services.apply_due_moves(today=starts - timedelta(days=1)) == 0
    assert services.apply_due_moves(today=starts) == 1
    budi.refresh_from_db()
    assert budi.department == retention
    assert AgentMove.objects.get().applied
    assert services.apply_due_moves(today=starts) == 0, "idempotent"


def test_a_future_move_decides_interactions_dated_after_it_even_before_beat_runs(budi, billing, retention):
    starts = local_day(timezone.now()) + timedelta(days=2)
    services.move_agent(agent=budi, to_department=retention, effective_from=starts)

    assert record("early", timezone.now()).department == billing
    assert record("dated-after", timezone.now() + timedelta(days=3)).department == retention


def test_the_day_is_the_deployments_local_day(settings, budi, billing, retention):
    settings.TIME_ZONE = "Asia/Jakarta"  # UTC+7
    services.move_agent(agent=budi, to_department=retention, effective_from=date(2026, 3, 10))

    late_utc_evening = datetime(2026, 3, 9, 18, 0, tzinfo=ZoneInfo("UTC"))  # 01:00 on 10 March in Jakarta
    assert services.department_on(budi, late_utc_evening) == retention
    assert services.department_on(budi, late_utc_evening - timedelta(hours=2)) == billing


def test_an_interaction_the_platform_attributes_explicitly_keeps_that_department(budi, billing, retention):
    services.move_agent(agent=budi, to_department=retention, effective_from=local_day(timezone.now()))
    recorded = record_interaction(
        InteractionInput(external_id="x", channel="phone", agent="a-1", department="billing")
    ).interaction
    assert recorded.department == billing


def test_moving_into_the_department_the_agent_is_already_in_is_refused(staff_client, budi, billing):
    reply = staff_client.post(
        f"/manage/agents/{budi.pk}/",
        {"action": "move", "to_department": billing.pk, "effective_from": local_day(timezone.now()).isoformat()},
    )

    assert reply.status_code == 400
    assert "already works in Billing on that day" in reply.content.decode()
    assert not AgentMove.objects.exists()


def test_a_move_needs_a_department_and_a_day(staff_client, budi):
    reply = staff_client.post(
        f"/manage/agents/{budi.pk}/", {"action": "move", "to_department": "", "effective_from": ""}
    )

    assert reply.status_code == 400
    page = reply.content.decode()
    assert "This field is required." in page or "Choose the first day in the new department." in page
    assert not AgentMove.objects.exists()


def test_a_pending_move_can_be_cancelled_and_a_past_one_cannot(staff_client, budi, billing, retention):
    today = local_day(timezone.now())
    past = services.move_agent(agent=budi, to_department=retention, effective_from=today - timedelta(days=1))
    future = services.move_agent(agent=budi, to_department=billing, effective_from=today + timedelta(days=5))

    staff_client.post(f"/manage/agents/{budi.pk}/", {"action": "cancel", "move": future.pk})
    refused = staff_client.post(f"/manage/agents/{budi.pk}/", {"action": "cancel", "move": past.pk}, follow=True)

    assert list(AgentMove.objects.values_list("pk", flat=True)) == [past.pk]
    assert "Only a move that has not taken effect yet can be cancelled." in refused.content.decode()


def test_a_move_inserted_before_a_later_one_keeps_the_history_consistent(budi, billing, retention):
    claims = DepartmentFactory(code="claims", name="Claims")
    today = local_day(timezone.now())
    services.move_agent(agent=budi, to_department=retention, effective_from=today - timedelta(days=5))
    services.move_agent(agent=budi, to_department=claims, effective_from=today - timedelta(days=20))

    later = AgentMove.objects.get(effective_from=today - timedelta(days=5))
    assert later.from_department == claims
    at = timezone.now()
    assert services.department_on(budi, at - timedelta(days=30)) == billing
    assert services.department_on(budi, at - timedelta(days=10)) == claims
    assert services.department_on(budi, at) == retention
    budi.refresh_from_db()
    assert budi.department == retention


def test_changing_the_department_in_the_django_admin_records_the_move(client, budi, retention):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-123")
    client.force_login(admin)

    reply = client.post(
        f"/admin/agents/agent/{budi.pk}/change/",
        {
            "external_id": "a-1",
            "name": "Budi Santoso",
            "department": retention.pk,
            "active": "on",
            "user": "",
            "moves-TOTAL_FORMS": "0",
            "moves-INITIAL_FORMS": "0",
            "moves-MIN_NUM_FORMS": "0",
            "moves-MAX_NUM_FORMS": "1000",
        },
    )

    assert reply.status_code == 302, reply.content.decode()[:3000]
    move = AgentMove.objects.get()
    assert (move.to_department, move.effective_from, move.applied) == (retention, local_day(timezone.now()), True)
    assert Agent.objects.get(pk=budi.pk).department == retention
