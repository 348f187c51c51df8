"""Use cases that write people and structure: moving an agent to another department."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from agents.models import Agent, AgentMove, Department


class MoveInvalid(ValueError):
    """The move cannot be recorded; the message says why (shown next to the form field)."""


def local_day(moment: datetime) -> date:
    """The calendar day of `moment` in the deployment's time zone."""
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def department_on(agent: Agent, moment: datetime, *, moves: list[AgentMove] | None = None) -> Department | None:
    """The department `agent` worked in at `moment`, by the move history.

    The last move on or before that day decides; before the first recorded move, the
    department the agent was moved from; without any history, the current department.
    """
    if moves is None:
        moves = list(agent.moves.select_related("to_department", "from_department").order_by("effective_from"))
    if not moves:
        return agent.department
    day = local_day(moment)
    earlier = [m for m in moves if m.effective_from <= day]
    if earlier:
        return earlier[-1].to_department
    return moves[0].from_department or agent.department


@transaction.atomic
def move_agent(
    *,
    agent: Agent,
    to_department: Department,
    effective_from: date,
    by: AbstractBaseUser | None = None,
    note: str = "",
) -> AgentMove:
    """Record that `agent` works in `to_department` from `effective_from` on.

    A move dated today or earlier switches the agent's current department at once; a
    future move switches it on its day (apply_due_moves). Interactions already recorded
    keep their department.
    """
    agent = Agent.objects.select_for_update().get(pk=agent.pk)
    moves = list(agent.moves.select_related("to_department", "from_department").order_by("effective_from"))
    if any(m.effective_from == effective_from for m in moves):
        raise MoveInvalid("This agent already has a move on that day. Cancel it first, then record the new one.")
    # Where the agent works the day before: the history as it stands decides.
    before = department_on(agent, start_of(effective_from - timedelta(days=1)), moves=moves)
    if before is not None and before.pk == to_department.pk:
        raise MoveInvalid(f"{agent} already works in {to_department} on that day.")
    move = AgentMove.objects.create(
        agent=agent,
        from_department=before,
        to_department=to_department,
        effective_from=effective_from,
        created_by=by,
        note=note,
    )
    later = next((m for m in moves if m.effective_from > effective_from), None)
    if later is not None:  # the next move now starts from where this one leads
        AgentMove.objects.filter(pk=later.pk).update(from_department=to_department)
    apply_due_moves(agent_ids=[agent.pk])
    move.refresh_from_db()
    return move


@transaction.atomic
def cancel_move(move: AgentMove) -> None:
    """Forget a move that has not taken effect yet; the history closes the gap."""
    if move.applied or move.effective_from <= local_day(timezone.now()):
        raise MoveInvalid("Only a move that has not taken effect yet can be cancelled.")
    later = (
        AgentMove.objects.filter(agent=move.agent_id, effective_from__gt=move.effective_from)
        .order_by("effective_from")
        .first()
    )
    if later is not None:
        AgentMove.objects.filter(pk=later.pk).update(from_department=move.from_department)
    move.delete()


def apply_due_moves(*, today: date | None = None, agent_ids: list[int] | None = None) -> int:
    """Switch the current department of agents whose move has come; return how many agents.

    Idempotent: run hourly by Celery beat, and right away when a move is recorded.
    """
    today = today or local_day(timezone.now())
    due = AgentMove.objects.filter(applied=False, effective_from__lte=today)
    if agent_ids is not None:
        due = due.filter(agent_id__in=agent_ids)
    switched = 0
    for agent_id in sorted(set(due.values_list("agent_id", flat=True))):
        with transaction.atomic():
            latest = (
                AgentMove.objects.select_for_update()
                .filter(agent_id=agent_id, effective_from__lte=today)
                .order_by("-effective_from")
                .first()
            )
            Agent.objects.filter(pk=agent_id).update(department_id=latest.to_department_id)
            AgentMove.objects.filter(agent_id=agent_id, effective_from__lte=today, applied=False).update(applied=True)
            switched += 1
    return switched


def record_department_change(*, agent: Agent, old_department_id: int | None, by: AbstractBaseUser | None) -> None:
    """An admin changed the agent's department directly: keep the history, effective today."""
    if agent.department_id is None or agent.department_id == old_department_id:
        return
    today = local_day(timezone.now())
    AgentMove.objects.update_or_create(
        agent=agent,
        effective_from=today,
        defaults={
            "from_department_id": old_department_id,
            "to_department_id": agent.department_id,
            "applied": True,
            "created_by": by,
            "note": "Changed on the agent's admin page",
        },
    )


@transaction.atomic
def set_roles(*, user: AbstractBaseUser, departments, agent: Agent | None) -> None:
    """Make `user` the supervisor of exactly `departments` and the login of `agent` (or of none)."""
    user.supervised_departments.set(departments)
    Agent.objects.filter(user=user).exclude(pk=agent.pk if agent else None).update(user=None)
    if agent is not None and agent.user_id != user.pk:
        Agent.objects.filter(pk=agent.pk).update(user=user)
