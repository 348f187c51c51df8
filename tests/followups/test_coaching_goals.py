"""Goal progress: the answers since the goal was set against its target, with n and the
interval, "reached" only beyond the noise, drawn as a chart with the target line."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics import buckets
from analytics.themes.models import Polarity, ResponseTheme, Theme
from followups.coaching_selectors import goal_progress
from followups.models import CoachingGoal
from tests.factories import ResponseFactory
from tests.followups.coaching_helpers import answer

pytestmark = pytest.mark.django_db


def nps_goal(agent, user, *, target: int, started_days_ago: int = 21) -> CoachingGoal:
    today = timezone.localdate()
    return CoachingGoal.objects.create(
        agent=agent,
        created_by=user,
        created_at=timezone.now(),
        kind="nps",
        target_nps=target,
        starts_on=today - timedelta(days=started_days_ago),
        due_on=today + timedelta(days=14),
    )


def test_only_answers_since_the_goal_count_and_within_the_noise_is_not_reached(budi, sam):
    now = timezone.now()
    answer(budi, 0, 0, 10, when=now - timedelta(days=40))  # before the goal: not counted
    answer(budi, 8, 0, 2, when=now - timedelta(days=7))
    buckets.rebuild()

    progress = goal_progress(nps_goal(budi, sam, target=50))

    assert (progress.n, progress.value) == (10, 60.0)
    assert progress.on_target and not progress.reached
    assert progress.status_text == "On target"
    assert progress.interval[0] < 50 < progress.interval[1]
    assert "NPS +60.0 since" in progress.summary and "(n = 10, 95 % interval" in progress.summary
    assert "but within the noise" in progress.summary and "due in 14 days" in progress.summary


def test_many_promoters_reach_the_target_beyond_the_noise(budi, sam):
    answer(budi, 40, 0, 0, when=timezone.now() - timedelta(days=3))
    buckets.rebuild()

    progress = goal_progress(nps_goal(budi, sam, target=50))

    assert progress.reached and progress.status_text == "Reached"
    assert progress.interval[0] >= 50


def test_below_target_says_how_far(budi, sam):
    answer(budi, 2, 4, 4, when=timezone.now() - timedelta(days=3))
    buckets.rebuild()

    progress = goal_progress(nps_goal(budi, sam, target=30))

    assert progress.status_text == "Below target"
    assert "NPS −20.0" in progress.summary and "50 points to go" in progress.summary


def test_the_chart_draws_the_weekly_nps_the_target_and_the_goal_span(budi, sam):
    answer(budi, 5, 0, 0, when=timezone.now() - timedelta(days=3))
    buckets.rebuild()
    goal = nps_goal(budi, sam, target=40)

    figure = goal_progress(goal).figure

    line = next(trace for trace in figure["data"] if trace.get("name") == "Agent NPS")
    assert line["y"][-1] == 100.0
    assert any(shape["y0"] == 40 for shape in figure["layout"]["shapes"] if shape.get("xref") == "paper")
    assert figure["layout"]["xaxis"]["range"][1] == goal.due_on.isoformat()
    assert {a["text"] for a in figure["layout"]["annotations"]} >= {"set", "due", "target 40"}


def test_no_answers_yet_is_said_plainly(budi, sam):
    progress = goal_progress(nps_goal(budi, sam, target=40))
    assert progress.n == 0 and progress.status_text == "No answers yet"
    assert progress.summary.startswith("No answers on the agent question since")


def test_a_theme_goal_counts_the_share_of_comments_complaining_about_it(budi, sam):
    theme = Theme.objects.get(key="wait_time")
    when = timezone.now() - timedelta(days=2)
    for i in range(10):
        response = ResponseFactory(
            invitation__interaction__agent=budi, invitation__interaction__occurred_at=when, why=f"comment {i}"
        )
        if i < 2:
            ResponseTheme.objects.create(response=response, theme=theme, polarity=Polarity.COMPLAINT)
        if i == 2:
            ResponseTheme.objects.create(response=response, theme=theme, polarity=Polarity.PRAISE)
    today = timezone.localdate()
    goal = CoachingGoal.objects.create(
        agent=budi,
        created_by=sam,
        created_at=timezone.now(),
        kind="theme",
        theme_key="wait_time",
        target_share=30,
        starts_on=today - timedelta(days=5),
        due_on=today + timedelta(days=30),
    )

    progress = goal_progress(goal)

    assert (progress.n, progress.value) == (10, 20.0)
    assert progress.on_target and not progress.reached
    assert "20 % of comments complain about" in progress.summary and "(2 of 10" in progress.summary
    assert progress.figure["data"][0]["y"][-1] == 20.0
