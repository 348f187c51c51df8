"""Who handled each interaction of a batch, and which department it counts for.

The rule is the one-interaction rule of the API, applied to a batch item by item in order
(so a batch gives exactly what posting its items one by one would give): the department the
platform names, else the one the agent worked in on the day it happened (agents move: see
agents.services.department_on), else the agent's current one, else "unassigned". Unknown
departments and agents are created, an agent without a department gets the first one an
interaction gives it, and a changed agent name is kept.

Set-based: the agents, their move history and the departments are read once per batch (in
plain SQL built once: the ORM spent more time composing these three small queries than the
database answering them, most of a single interaction's cost), and
what is new or changed is written with one INSERT ... ON CONFLICT DO NOTHING per table and
one UPDATE, in key order (parallel batches wait for each other instead of deadlocking). A
row another request inserted first is read back and used.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import cache

from django.db import connection

from agents.models import Agent, AgentMove, Department
from agents.services import department_on

UNASSIGNED_DEPARTMENT = "unassigned"


def resolve_people(items: Sequence, moments: Sequence[datetime]) -> list[tuple[Agent, Department]]:
    """(agent, department snapshot) per item, agents and departments stored (with pks)."""
    departments = _departments({d.department for d in items if d.department})
    agents = {a.external_id: a for a in _agents({d.agent for d in items})}
    moves: dict[int, list[AgentMove]] = defaultdict(list)
    if agents:
        for move in _moves([a.pk for a in agents.values()]):
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
    found = {d.code: d for d in _select(Department, "WHERE t.code IN ({})", sorted(codes | {UNASSIGNED_DEPARTMENT}))}
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


# --- The reads, in plain SQL -------------------------------------------------------------
# Each builds the same model instances the ORM would (every column, related objects cached
# as select_related caches them), for the few columns-and-joins shapes this module needs.


@cache
def _columns(model, alias: str) -> str:
    return ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in model._meta.concrete_fields)


def _build(model, values: Sequence) -> object | None:
    """A model instance from a row's columns (in field order); None for a missing LEFT JOIN row."""
    if values[0] is None:
        return None
    return model.from_db(connection.alias, None, values)


def _select(model, where: str, params: list) -> list:
    if not params:
        return []
    table = connection.ops.quote_name(model._meta.db_table)
    placeholders = ", ".join(["%s"] * len(params))
    sql = f"SELECT {_columns(model, 't')} FROM {table} t " + where.format(placeholders)  # noqa: S608 (from the model)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [_build(model, row) for row in cursor.fetchall()]


def _agents(external_ids: set[str]) -> list[Agent]:
    """The agents with these external ids, each with its department (select_related)."""
    if not external_ids:
        return []
    width = len(Agent._meta.concrete_fields)
    placeholders = ", ".join(["%s"] * len(external_ids))
    sql = (
        f"SELECT {_columns(Agent, 'a')}, {_columns(Department, 'd')} FROM agents_agent a"  # noqa: S608
        f" LEFT JOIN agents_department d ON d.id = a.department_id WHERE a.external_id IN ({placeholders})"
    )
    agents = []
    with connection.cursor() as cursor:
        cursor.execute(sql, sorted(external_ids))
        for row in cursor.fetchall():
            agent = _build(Agent, row[:width])
            Agent.department.field.set_cached_value(agent, _build(Department, row[width:]))
            agents.append(agent)
    return agents


def _moves(agent_ids: list[int]) -> list[AgentMove]:
    """The moves of these agents by agent and date, with both departments (select_related)."""
    width, department = len(AgentMove._meta.concrete_fields), len(Department._meta.concrete_fields)
    placeholders = ", ".join(["%s"] * len(agent_ids))
    sql = (
        f"SELECT {_columns(AgentMove, 'm')}, {_columns(Department, 'dt')}, {_columns(Department, 'df')}"  # noqa: S608
        " FROM agents_agentmove m LEFT JOIN agents_department dt ON dt.id = m.to_department_id"
        " LEFT JOIN agents_department df ON df.id = m.from_department_id"
        f" WHERE m.agent_id IN ({placeholders}) ORDER BY m.agent_id, m.effective_from"
    )
    moves = []
    with connection.cursor() as cursor:
        cursor.execute(sql, sorted(agent_ids))
        for row in cursor.fetchall():
            move = _build(AgentMove, row[:width])
            AgentMove.to_department.field.set_cached_value(move, _build(Department, row[width : width + department]))
            AgentMove.from_department.field.set_cached_value(move, _build(Department, row[width + department :]))
            moves.append(move)
    return moves
