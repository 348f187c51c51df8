"""Who handled each interaction of a batch, and which department it counts for.

The rule is the one-interaction rule of the API, applied to a batch item by item in order
(so a batch gives exactly what posting its items one by one would give): the department the
platform names, else the one the agent worked in on the day it happened (agents move: see
agents.services.department_on), else the agent's current one, else "unassigned". Unknown
departments and agents are created, an agent without a department gets the first one an
interaction gives it, and a changed agent name is kept.

Set-based: the agents, their move history and the departments are read once per batch, and
what is new or changed is written with one INSERT ... ON CONFLICT DO NOTHING per table and
one UPDATE, in key order (parallel batches wait for each other instead of deadlocking). A
row another request inserted first is read back and used.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from agents.models import Agent, AgentMove, Department
from agents.services import department_on

UNASSIGNED_DEPARTMENT = "unassigned"


def resolve_people(items: Sequence, moments: Sequence[datetime]) -> list[tuple[Agent, Department]]:
    """(agent, department snapshot) per item, agents and departments stored (with pks)."""
    departments = _departments({d.department for d in items if d.department})
    agents = {
        a.external_id: a
        for a in Agent.objects.select_related("department").filter(external_id__in={d.agent for d in items}).order_by()
    }
    moves: dict[int, list[AgentMove]] = defaultdict(list)
    if agents:
        history = AgentMove.objects.filter(agent_id__in=[a.pk for a in agents.values()])
        for move in history.select_related("to_department", "from_department").order_by("agent_id", "effective_from"):
            moves[move.agent_id].append(move)
    new: dict[str, Agent] = {}
    changed: dict[str, Agent] = {}
    resolved = []
    for data, moment in zip(items, moments, strict=True):
        department = departments[data.department] if data.department else None
        agent = agents.get(data.agent)
        created = agent is None
        if created:
            agent = agents[data.agent] = new[data.agent] = Agent(
                external_id=data.agent, name=data.agent_name, department=department
            )
        elif data.agent_name and agent.name != data.agent_name:
            agent.name = data.agent_name
            changed[data.agent] = agent
        if department is None and not created:
            department = department_on(agent, moment, moves=moves.get(agent.pk, []) if agent.pk else [])
        if department is None:
            department = agent.department
        if department is None:
            department = _unassigned(departments)
        if agent.department_id is None:
            agent.department = department
            changed[data.agent] = agent
        resolved.append((agent, department))
    _store_agents(new, [a for key, a in changed.items() if key not in new])
    return resolved


def _departments(codes: set[str]) -> dict[str, Department]:
    """The named departments by code (created if unknown), plus "unassigned" if it exists."""
    found = {d.code: d for d in Department.objects.filter(code__in=codes | {UNASSIGNED_DEPARTMENT}).order_by()}
    missing = sorted(codes - set(found))
    if missing:
        Department.objects.bulk_create([Department(code=c, name=c) for c in missing], ignore_conflicts=True)
        found |= {d.code: d for d in Department.objects.filter(code__in=missing).order_by()}
    return found


def _unassigned(departments: dict[str, Department]) -> Department:
    if UNASSIGNED_DEPARTMENT not in departments:
        departments[UNASSIGNED_DEPARTMENT], _ = Department.objects.get_or_create(
            code=UNASSIGNED_DEPARTMENT, defaults={"name": "Unassigned"}
        )
    return departments[UNASSIGNED_DEPARTMENT]


def _store_agents(new: dict[str, Agent], changed: list[Agent]) -> None:
    if new:
        Agent.objects.bulk_create([new[key] for key in sorted(new)], ignore_conflicts=True)
        for pk, external_id in (
            Agent.objects.filter(external_id__in=list(new)).values_list("pk", "external_id").order_by()
        ):
            agent = new[external_id]
            agent.pk = pk
            agent._state.adding = False
    if changed:
        Agent.objects.bulk_update(sorted(changed, key=lambda a: a.pk), ["name", "department"])
