"""Coaching rows for the demo (seed_demo calls the seed_coaching_demo command by name, so
surveys never imports followups): notes, goals and kudos on the demo agent login's agent
(written by a supervisor of that agent's department, else the demo admin) and notes on the
first agents of the demo supervisor's coaching queue. Running it again replaces the rows
the demo users wrote before."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from agents.models import Agent
from analytics import nps, selectors
from analytics.buckets import day_start
from analytics.digest_content import last_complete_week
from analytics.themes.models import Polarity, ResponseTheme
from followups.coaching_models import CoachingGoal, CoachingNote, Kudos
from followups.coaching_selectors import coaching_queue
from surveys.models import Response

GOAL_STARTED_DAYS_AGO = 28
GOAL_DUE_IN_DAYS = 28

NOTES = (
    "Listened to three calls together. Strong on empathy; the wrap-up is rushed: customers are not told what "
    "happens next. Agreed to close every call with the next step and its date.",
    "Follow-up: better closings on the calls I heard this week. Transfers still high on billing disputes; "
    "pair with a senior for two shifts.",
)
QUEUE_NOTE = (
    "Looked at last week's detractor comments together; most mention waiting for a callback. Check again next Monday."
)


@dataclass
class DemoCoaching:
    notes: int = 0
    goals: int = 0
    kudos: int = 0


@transaction.atomic
def seed() -> DemoCoaching | None:
    """Replace the demo users' coaching rows; None when the demo logins do not exist."""
    users = get_user_model()
    supervisor = users.objects.filter(username="supervisor").first()
    admin = users.objects.filter(username="admin").first()
    agent = Agent.objects.filter(user__username="agent").select_related("department").first()
    if supervisor is None or admin is None or agent is None:
        return None
    demo_users = [supervisor, admin]
    CoachingNote.objects.filter(author__in=demo_users).delete()
    CoachingGoal.objects.filter(created_by__in=demo_users).delete()
    Kudos.objects.filter(sent_by__in=demo_users).delete()
    coach = users.objects.filter(supervised_departments=agent.department_id).order_by("pk").first() or admin
    now, today = timezone.now(), timezone.localdate()
    made = DemoCoaching()
    for days_ago, text in zip((20, 6), NOTES, strict=True):
        CoachingNote.objects.create(agent=agent, author=coach, created_at=now - timedelta(days=days_ago), text=text)
        made.notes += 1
    started = today - timedelta(days=GOAL_STARTED_DAYS_AGO)
    (before,) = selectors.nps_by(
        group_by="company", question="agent", since=started - timedelta(weeks=13), until=started, agent=agent
    )
    current = nps.nps(before.counts)
    goal = {"agent": agent, "created_by": coach, "created_at": now - timedelta(days=GOAL_STARTED_DAYS_AGO)}
    span = {"starts_on": started, "due_on": today + timedelta(days=GOAL_DUE_IN_DAYS)}
    target = 50 if current is None else min(100, int(round(current / 5) * 5) + 10)
    CoachingGoal.objects.create(
        **goal, **span, kind=CoachingGoal.Kind.NPS, target_nps=target, note="Close every call with the next step."
    )
    made.goals += 1
    theme = (
        ResponseTheme.objects.filter(response__agent=agent, polarity=Polarity.COMPLAINT, theme__active=True)
        .values("theme__key")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    if theme is not None:
        CoachingGoal.objects.create(
            **goal,
            **span,
            kind=CoachingGoal.Kind.THEME,
            theme_key=theme["theme__key"],
            target_share=5,
            note="Fewer customers left waiting for what was promised.",
        )
        made.goals += 1
    week = last_complete_week(today)
    promoters = (
        Response.objects.filter(agent=agent, agent_score__gte=nps.PROMOTER_MIN, kudos__isnull=True)
        .exclude(why="")
        .order_by("-occurred_at")[:2]
    )
    for i, response in enumerate(promoters):
        sent_at = day_start(week.start + timedelta(days=1 + 2 * i)) + timedelta(hours=10)  # in last week's digest
        Kudos.objects.create(
            agent=agent,
            response=response,
            sent_by=coach,
            sent_at=sent_at,
            message="Lovely to read, well done!" if i == 0 else "",
        )
        made.kudos += 1
    departments = frozenset(supervisor.supervised_departments.values_list("pk", flat=True))
    for entry in coaching_queue(department_ids=departments, today=today).entries[:2]:
        if entry.agent.pk == agent.pk:
            continue
        CoachingNote.objects.create(
            agent=entry.agent, author=supervisor, created_at=now - timedelta(days=2), text=QUEUE_NOTE
        )
        made.notes += 1
    return made
