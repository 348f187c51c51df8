"""Coaching is private: an agent never sees another agent's notes, goals or kudos (every
coaching URL with another agent's id answers 403 or 404), never reads notes at all, not
even their own; a supervisor of another department can neither read nor write them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from followups.models import CoachingGoal, CoachingNote, Kudos
from privacy.models import ChangeRecord
from tests.factories import ResponseFactory

pytestmark = pytest.mark.django_db

NOTE = "Rushed wrap-ups: practise the closing script"
GOAL_NOTE = "Close every call with the next step"
KUDOS_WHY = "Budi sorted my refund in one call, brilliant"


@pytest.fixture
def coached(budi_with_login, sam):
    """Budi with a note, an open goal and kudos, all written by Sam."""
    now = timezone.now()
    note = CoachingNote.objects.create(agent=budi_with_login, author=sam, created_at=now, text=NOTE)
    goal = CoachingGoal.objects.create(
        agent=budi_with_login,
        created_by=sam,
        created_at=now,
        kind="nps",
        target_nps=40,
        starts_on=timezone.localdate(),
        due_on=timezone.localdate() + timedelta(days=30),
        note=GOAL_NOTE,
    )
    response = ResponseFactory(invitation__interaction__agent=budi_with_login, agent_score=10, why=KUDOS_WHY)
    kudos = Kudos.objects.create(agent=budi_with_login, response=response, sent_by=sam, sent_at=now)
    return {"agent": budi_with_login, "note": note, "goal": goal, "kudos": kudos}


def coaching_urls(agent_pk: int, goal_pk: int) -> list[tuple[str, str]]:
    return [
        ("get", reverse("dashboard-coaching-agent", args=[agent_pk])),
        ("post", reverse("dashboard-coaching-note", args=[agent_pk])),
        ("post", reverse("dashboard-coaching-goal", args=[agent_pk])),
        ("post", reverse("dashboard-coaching-kudos", args=[agent_pk])),
        ("post", reverse("dashboard-coaching-goal-close", args=[goal_pk])),
        ("get", reverse("dashboard-agent", args=[agent_pk])),
    ]


GOOD_POSTS = {
    "notes": {"text": "Written by someone who must not"},
    "goals": {"kind": "nps", "target_nps": "10", "due_on": "2099-01-01"},
    "kudos": {"response": "1"},
    "close": {"status": "dropped"},
}


def _post_data(url: str) -> dict:
    for key, data in GOOD_POSTS.items():
        if f"/{key}/" in url:
            return data
    return {}


def _stored() -> tuple:
    return (
        CoachingNote.objects.count(),
        CoachingGoal.objects.count(),
        CoachingGoal.objects.filter(status="open").count(),
        Kudos.objects.count(),
    )


def test_another_agent_gets_403_or_404_on_every_coaching_url_and_nothing_is_stored(client, coached, ani):
    client.force_login(ani.user)
    before = _stored()
    for method, url in coaching_urls(coached["agent"].pk, coached["goal"].pk):
        answer = getattr(client, method)(url, _post_data(url))
        assert answer.status_code in (403, 404), (method, url, answer.status_code)
        body = answer.content.decode()
        assert NOTE not in body and GOAL_NOTE not in body and KUDOS_WHY not in body
    assert _stored() == before


def test_an_agent_cannot_open_or_write_their_own_coaching_notes(client, coached):
    client.force_login(coached["agent"].user)
    before = _stored()
    for method, url in coaching_urls(coached["agent"].pk, coached["goal"].pk)[:-1]:
        answer = getattr(client, method)(url, _post_data(url))
        assert answer.status_code == 403, (method, url)
        assert NOTE not in answer.content.decode()
    assert _stored() == before


def test_a_supervisor_of_another_department_can_neither_read_nor_write(client, coached, claire):
    client.force_login(claire)
    before = _stored()
    for method, url in coaching_urls(coached["agent"].pk, coached["goal"].pk):
        answer = getattr(client, method)(url, _post_data(url))
        assert answer.status_code in (403, 404), (method, url, answer.status_code)
        assert NOTE not in answer.content.decode()
    assert _stored() == before


def test_an_unknown_agent_or_goal_is_a_404(client, sam):
    client.force_login(sam)
    assert client.get(reverse("dashboard-coaching-agent", args=[987654])).status_code == 404
    assert client.post(reverse("dashboard-coaching-goal-close", args=[987654]), {"status": "met"}).status_code == 404


def test_the_agent_sees_goals_and_kudos_on_their_own_page_but_never_notes(client, coached):
    client.force_login(coached["agent"].user)
    page = client.get(reverse("dashboard-me"), follow=True)
    body = page.content.decode()
    assert page.status_code == 200
    assert GOAL_NOTE in body and KUDOS_WHY in body
    assert NOTE not in body
    assert reverse("dashboard-coaching-agent", args=[coached["agent"].pk]) not in body


def test_another_agents_own_page_shows_none_of_it(client, coached, ani):
    client.force_login(ani.user)
    body = client.get(reverse("dashboard-me"), follow=True).content.decode()
    assert "Ani" in body
    assert GOAL_NOTE not in body and KUDOS_WHY not in body and NOTE not in body


def test_the_supervisor_reads_notes_on_the_coaching_page_and_writes_with_an_audit_record(client, coached, sam):
    client.force_login(sam)
    page = client.get(reverse("dashboard-coaching-agent", args=[coached["agent"].pk]))
    assert page.status_code == 200
    assert NOTE in page.content.decode() and KUDOS_WHY in page.content.decode()

    answer = client.post(reverse("dashboard-coaching-note", args=[coached["agent"].pk]), {"text": "Better this week"})

    assert answer.status_code == 302
    assert CoachingNote.objects.filter(agent=coached["agent"], text="Better this week", author=sam).exists()
    record = ChangeRecord.objects.get(action="coaching.note_added")
    assert record.actor == sam and "Better this week" not in str(record.details)


def test_an_admin_coaches_any_agent(client, coached, boss, citra):
    client.force_login(boss)
    assert client.get(reverse("dashboard-coaching-agent", args=[citra.pk])).status_code == 200
    assert client.post(reverse("dashboard-coaching-note", args=[citra.pk]), {"text": "Seen"}).status_code == 302
