"""Coaching writes: a note, a goal, closing a goal, kudos. Each checks who may do it (the
supervisors of the agent's department and admins), stores one row in one transaction with
its audit record (privacy/audit.py), or raises CoachingRefused and stores nothing."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from agents.models import Agent
from agents.roles import Viewer
from analytics import nps
from analytics.themes.models import Theme
from followups.coaching_models import CoachingGoal, CoachingNote, Kudos
from privacy import audit
from surveys.models import Response


class CoachingRefused(Exception):
    """The write is not allowed or its input is wrong; nothing was stored."""


def can_coach(viewer: Viewer, agent: Agent) -> bool:
    """Supervisors of the agent's (current) department and admins; never agents."""
    return viewer.sees_dashboards and viewer.can_see_agent(agent)


def _check(viewer: Viewer, agent: Agent) -> None:
    if not can_coach(viewer, agent):
        raise CoachingRefused("Only the supervisors of the agent's department and admins coach this agent.")


def add_note(
    *, viewer: Viewer, agent: Agent, author: AbstractBaseUser, text: str, request: HttpRequest | None = None
) -> CoachingNote:
    _check(viewer, agent)
    text = text.strip()
    if not text:
        raise CoachingRefused("A note needs some text.")
    with transaction.atomic():
        note = CoachingNote.objects.create(agent=agent, author=author, created_at=timezone.now(), text=text)
        # The note's text stays out of the audit log: it is private to the agent's supervisors.
        audit.record("coaching.note_added", target=note, actor=author, request=request, details={"agent": agent.pk})
    return note


def set_goal(
    *,
    viewer: Viewer,
    agent: Agent,
    author: AbstractBaseUser,
    kind: str,
    due_on: date,
    target_nps: int | None = None,
    theme_key: str = "",
    target_share: int | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> CoachingGoal:
    _check(viewer, agent)
    today = timezone.localdate()
    if due_on <= today:
        raise CoachingRefused("The due date must be after today.")
    if kind == CoachingGoal.Kind.NPS:
        if target_nps is None or not -100 <= target_nps <= 100:
            raise CoachingRefused("An NPS target is a whole number from −100 to 100.")
        theme_key, target_share = "", None
    elif kind == CoachingGoal.Kind.THEME:
        if not theme_key or target_share is None or not 0 <= target_share <= 100:
            raise CoachingRefused("A theme goal needs a theme and a share from 0 to 100 %.")
        if not Theme.objects.filter(key=theme_key, active=True).exists():
            raise CoachingRefused(f"There is no active theme {theme_key!r}.")
        target_nps = None
    else:
        raise CoachingRefused(f"Unknown kind of goal {kind!r}.")
    with transaction.atomic():
        goal = CoachingGoal.objects.create(
            agent=agent,
            created_by=author,
            created_at=timezone.now(),
            kind=kind,
            target_nps=target_nps,
            theme_key=theme_key,
            target_share=target_share,
            starts_on=today,
            due_on=due_on,
            note=note.strip(),
        )
        audit.record(
            "coaching.goal_set",
            target=goal,
            actor=author,
            request=request,
            details={
                "agent": agent.pk,
                "kind": kind,
                "target_nps": target_nps,
                "theme": theme_key,
                "target_share": target_share,
                "due_on": due_on.isoformat(),
            },
        )
    return goal


def close_goal(
    *, viewer: Viewer, goal: CoachingGoal, author: AbstractBaseUser, status: str, request: HttpRequest | None = None
) -> CoachingGoal:
    _check(viewer, goal.agent)
    if status not in (CoachingGoal.Status.MET, CoachingGoal.Status.DROPPED):
        raise CoachingRefused("A goal closes as met or dropped.")
    with transaction.atomic():
        locked = CoachingGoal.objects.select_for_update().get(pk=goal.pk)
        if locked.status != CoachingGoal.Status.OPEN:
            raise CoachingRefused("This goal is already closed.")
        locked.status, locked.closed_at = status, timezone.now()
        locked.save(update_fields=["status", "closed_at"])
        audit.record("coaching.goal_closed", target=locked, actor=author, request=request, details={"status": status})
    return locked


def send_kudos(
    *,
    viewer: Viewer,
    agent: Agent,
    response: Response,
    author: AbstractBaseUser,
    message: str = "",
    request: HttpRequest | None = None,
) -> Kudos:
    """Send a promoter's comment about this agent to the agent (once per answer)."""
    _check(viewer, agent)
    if response.agent_id != agent.pk:
        raise CoachingRefused("That answer is about another agent.")
    if not viewer.can_see_department(response.department_id):
        raise CoachingRefused("That answer was given in a department outside your scope.")
    if response.agent_score < nps.PROMOTER_MIN or not response.why.strip():
        raise CoachingRefused("Kudos are a promoter's comment: an agent score of 9 or 10 with a why.")
    try:
        with transaction.atomic():
            kudos = Kudos.objects.create(
                agent=agent, response=response, sent_by=author, sent_at=timezone.now(), message=message.strip()
            )
            audit.record(
                "coaching.kudos_sent",
                target=kudos,
                actor=author,
                request=request,
                details={"agent": agent.pk, "response": response.pk},
            )
    except IntegrityError as exc:
        raise CoachingRefused("This comment was already sent as kudos.") from exc
    return kudos
