"""Bad input on the coaching forms answers 400 with the reason on the page, and stores nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from followups.models import CoachingGoal, CoachingNote, Kudos
from privacy.models import ChangeRecord
from tests.factories import ResponseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sam_client(client, sam):
    client.force_login(sam)
    return client


def _nothing_stored() -> bool:
    return not (
        CoachingNote.objects.exists()
        or CoachingGoal.objects.exists()
        or Kudos.objects.exists()
        or ChangeRecord.objects.filter(action__startswith="coaching.").exists()
    )


@pytest.mark.parametrize("text", ["", "   ", "x" * 4001])
def test_an_empty_or_overlong_note_is_refused(sam_client, budi, text):
    answer = sam_client.post(reverse("dashboard-coaching-note", args=[budi.pk]), {"text": text})
    assert answer.status_code == 400
    assert "field-error" in answer.content.decode()
    assert _nothing_stored()


TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "nps", "target_nps": "150", "due_on": TOMORROW},
        {"kind": "nps", "target_nps": "", "due_on": TOMORROW},
        {"kind": "nps", "target_nps": "30", "due_on": timezone.localdate().isoformat()},
        {"kind": "nps", "target_nps": "30", "due_on": "not a date"},
        {"kind": "theme", "theme_key": "", "target_share": "10", "due_on": TOMORROW},
        {"kind": "theme", "theme_key": "no_such_theme", "target_share": "10", "due_on": TOMORROW},
        {"kind": "theme", "theme_key": "wait_time", "target_share": "101", "due_on": TOMORROW},
        {"kind": "shout", "target_nps": "30", "due_on": TOMORROW},
    ],
)
def test_a_goal_without_a_sound_target_or_due_date_is_refused(sam_client, budi, data):
    answer = sam_client.post(reverse("dashboard-coaching-goal", args=[budi.pk]), data)
    assert answer.status_code == 400
    assert _nothing_stored()


def test_a_sound_goal_is_stored_from_today(sam_client, budi):
    answer = sam_client.post(
        reverse("dashboard-coaching-goal", args=[budi.pk]),
        {"kind": "theme", "theme_key": "wait_time", "target_share": "10", "due_on": TOMORROW, "note": "Call back"},
    )
    assert answer.status_code == 302
    goal = CoachingGoal.objects.get()
    assert (goal.kind, goal.theme_key, goal.target_share, goal.target_nps) == ("theme", "wait_time", 10, None)
    assert goal.starts_on == timezone.localdate()
    assert ChangeRecord.objects.filter(action="coaching.goal_set").count() == 1


def test_kudos_only_from_a_promoter_comment_about_this_agent(sam_client, budi, ani, citra):
    detractor = ResponseFactory(invitation__interaction__agent=budi, agent_score=4, why="Rude")
    silent = ResponseFactory(invitation__interaction__agent=budi, agent_score=10, why="")
    about_ani = ResponseFactory(invitation__interaction__agent=ani, agent_score=10, why="Ani was great")
    elsewhere = ResponseFactory(invitation__interaction__agent=citra, agent_score=10, why="Citra was great")
    for response in (detractor, silent, about_ani, elsewhere):
        answer = sam_client.post(reverse("dashboard-coaching-kudos", args=[budi.pk]), {"response": response.pk})
        assert answer.status_code == 400, response.why
    for junk in ("", "abc", "-1"):
        assert (
            sam_client.post(reverse("dashboard-coaching-kudos", args=[budi.pk]), {"response": junk}).status_code == 400
        )
    assert _nothing_stored()


def test_the_same_comment_is_sent_once(sam_client, budi):
    response = ResponseFactory(invitation__interaction__agent=budi, agent_score=9, why="Patient and clear")
    url = reverse("dashboard-coaching-kudos", args=[budi.pk])
    assert sam_client.post(url, {"response": response.pk, "message": "Well done"}).status_code == 302
    assert sam_client.post(url, {"response": response.pk}).status_code == 400
    assert Kudos.objects.count() == 1
    assert ChangeRecord.objects.filter(action="coaching.kudos_sent").count() == 1


def test_closing_a_goal_needs_met_or_dropped_and_happens_once(sam_client, budi, sam):
    goal = CoachingGoal.objects.create(
        agent=budi,
        created_by=sam,
        created_at=timezone.now(),
        kind="nps",
        target_nps=20,
        starts_on=timezone.localdate(),
        due_on=timezone.localdate() + timedelta(days=9),
    )
    url = reverse("dashboard-coaching-goal-close", args=[goal.pk])
    assert sam_client.post(url, {"status": "open"}).status_code == 400
    assert sam_client.post(url, {"status": "met"}).status_code == 302
    assert sam_client.post(url, {"status": "dropped"}).status_code == 400
    goal.refresh_from_db()
    assert goal.status == "met"
    assert ChangeRecord.objects.filter(action="coaching.goal_closed").count() == 1


def test_get_on_a_write_url_is_refused(sam_client, budi):
    assert sam_client.get(reverse("dashboard-coaching-note", args=[budi.pk])).status_code == 405


def test_the_service_refuses_what_the_form_would_and_stores_nothing(budi, sam, claire):
    from agents.roles import viewer_for
    from followups import coaching_services as services

    due = timezone.localdate() + timedelta(days=10)
    with pytest.raises(services.CoachingRefused):
        services.set_goal(
            viewer=viewer_for(sam), agent=budi, author=sam, kind="theme", theme_key="gone", target_share=5, due_on=due
        )
    with pytest.raises(services.CoachingRefused):
        services.add_note(viewer=viewer_for(claire), agent=budi, author=claire, text="Not my agent")
    with pytest.raises(services.CoachingRefused):
        services.set_goal(viewer=viewer_for(sam), agent=budi, author=sam, kind="nps", target_nps=101, due_on=due)
    assert _nothing_stored()
