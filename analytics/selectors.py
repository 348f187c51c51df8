"""Reads of NPS figures, answered from the derived buckets (never from raw responses)."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Q, QuerySet, Sum

from agents.models import Agent, Department
from analytics import nps
from analytics.models import NpsBucket, Scope
from analytics.months import period_q

GROUPS = ("company", "department", "agent")
QUESTIONS = ("company", "agent")


@dataclass(frozen=True)
class NpsRow:
    key: str
    name: str
    counts: nps.Counts
    department: str = ""  # department code, for agent rows filtered by department

    @property
    def responses(self) -> int:
        return self.counts.responses

    @property
    def nps(self) -> float | None:
        value = nps.nps(self.counts)
        return None if value is None else round(value, 1)

    @property
    def ci(self) -> tuple[float, float] | None:
        bounds = nps.interval(self.counts)
        return None if bounds is None else (round(bounds[0], 1), round(bounds[1], 1))

    def as_dict(self) -> dict:
        ci = self.ci
        return {
            "key": self.key,
            "name": self.name,
            "responses": self.responses,
            "promoters": self.counts.promoters,
            "passives": self.counts.passives,
            "detractors": self.counts.detractors,
            "nps": self.nps,
            "ci_low": ci[0] if ci else None,
            "ci_high": ci[1] if ci else None,
        }


def period_rows(scope: str, since: date, until: date) -> Q:
    """The bucket rows whose sums are exactly the days [since, until] of `scope`.

    For the agent scope, whole calendar months come from the monthly rollups and only the
    days at either edge from the daily rows: a year is about 12 rows per agent and channel
    instead of 365. Only for reads that sum over the period; a read grouped by day or week
    needs the daily rows (`Q(scope=…, day__range=…)`)."""
    if scope != Scope.AGENT:
        return Q(scope=scope, day__gte=since, day__lte=until)
    return period_q(since, until, daily=Q(scope=Scope.AGENT), monthly=Q(scope=Scope.AGENT_MONTH))


def buckets(
    *,
    scope: str,
    since: date,
    until: date,
    department: Department | None = None,
    channel: str | None = None,
    department_ids: Collection[int] | None = None,
    agent: Agent | None = None,
) -> QuerySet[NpsBucket]:
    """Bucket rows to sum over the period (see period_rows), narrowed by the filters."""
    qs = NpsBucket.objects.filter(period_rows(scope, since, until))
    if agent is not None:
        qs = qs.filter(agent_key=agent.pk)
    if department is not None:
        qs = qs.filter(department_key=department.pk)
    if department_ids is not None:
        qs = qs.filter(department_key__in=department_ids)
    if channel:
        qs = qs.filter(channel=channel)
    return qs


def _sums(question: str) -> dict:
    return {
        "promoters": Sum(f"{question}_promoters"),
        "passives": Sum(f"{question}_passives"),
        "detractors": Sum(f"{question}_detractors"),
    }


def _counts(row: dict | None) -> nps.Counts:
    if not row:
        return nps.Counts()
    return nps.Counts(row["promoters"] or 0, row["passives"] or 0, row["detractors"] or 0)


def nps_by(
    *,
    group_by: str,
    question: str,
    since: date,
    until: date,
    department: Department | None = None,
    channel: str | None = None,
    department_ids: Collection[int] | None = None,
    agent: Agent | None = None,
) -> list[NpsRow]:
    """NPS rows for the period, one per company / department / agent, best data first.

    Departments and (active) agents with no answers in the period are listed with n = 0.
    `department_ids` (a supervisor's scope) keeps only the answers given in those
    departments, and only those departments and their agents; the company row ignores it.
    `agent` counts only that agent's answers (read from the agent rows): one row keyed by
    the agent for `company`, the departments they answered for, or their own row.
    """
    if group_by not in GROUPS or question not in QUESTIONS:
        raise ValueError("unknown group_by or question")
    filters = {"since": since, "until": until, "department": department, "channel": channel}
    if agent is not None:
        return _one_agent(agent, group_by=group_by, question=question, department_ids=department_ids, **filters)
    if group_by == "company":
        scope = Scope.DEPARTMENT if department is not None else Scope.COMPANY
        totals = buckets(scope=scope, **filters).aggregate(**_sums(question))
        name = department.name if department is not None else settings.COMPANY_NAME
        key = department.code if department is not None else "company"
        return [NpsRow(key=key, name=name, counts=_counts(totals))]

    filters["department_ids"] = department_ids
    if group_by == "department":
        per_key = {
            row["department_key"]: _counts(row)
            for row in buckets(scope=Scope.DEPARTMENT, **filters).values("department_key").annotate(**_sums(question))
        }
        departments = Department.objects.filter(Q(pk__in=per_key.keys()) | Q(pk=department.pk) if department else Q())
        if department_ids is not None:
            departments = departments.filter(pk__in=department_ids)
        rows = [NpsRow(key=d.code, name=d.name, counts=per_key.get(d.pk, nps.Counts())) for d in departments]
        return sorted(rows, key=lambda r: (-r.responses, r.name))

    per_agent = {
        row["agent_key"]: _counts(row)
        for row in buckets(scope=Scope.AGENT, **filters).values("agent_key").annotate(**_sums(question))
    }
    idle = Q(active=True, department=department) if department is not None else Q(active=True)
    if department_ids is not None:
        idle &= Q(department_id__in=department_ids)
    agents = Agent.objects.filter(Q(pk__in=per_agent.keys()) | idle).select_related("department")
    rows = [
        NpsRow(
            key=a.external_id,
            name=str(a),
            counts=per_agent.get(a.pk, nps.Counts()),
            department=a.department.code if a.department else "",
        )
        for a in agents
    ]
    return sorted(rows, key=lambda r: (-r.responses, r.name))


def _one_agent(agent: Agent, *, group_by: str, question: str, department_ids, **filters) -> list[NpsRow]:
    """nps_by(agent=...): the agent's answers only, within the viewer's departments."""
    rows = buckets(scope=Scope.AGENT, agent=agent, department_ids=department_ids, **filters)
    if group_by == "company":
        totals = rows.aggregate(**_sums(question))
        return [NpsRow(key=agent.external_id, name=str(agent), counts=_counts(totals))]
    if group_by == "department":
        per_key = {
            row["department_key"]: _counts(row) for row in rows.values("department_key").annotate(**_sums(question))
        }
        departments = Department.objects.filter(pk__in=per_key.keys())
        result = [NpsRow(key=d.code, name=d.name, counts=per_key[d.pk]) for d in departments]
        return sorted(result, key=lambda r: (-r.responses, r.name))
    totals = rows.aggregate(**_sums(question))
    department_code = agent.department.code if agent.department else ""
    return [NpsRow(key=agent.external_id, name=str(agent), counts=_counts(totals), department=department_code)]


@dataclass(frozen=True)
class AgentCounts:
    """One agent's answers under one department snapshot, for both questions."""

    agent_key: int
    department_key: int
    company: nps.Counts
    agent: nps.Counts


def agent_counts(*, since: date, until: date, department_ids: Collection[int] | None = None) -> list[AgentCounts]:
    """Per (agent, department snapshot) counts over the period from the agent-scope buckets:
    one aggregate query, whatever the number of agents. An agent who moved has one row per
    department they answered in. `department_ids` keeps the answers given in those
    departments only (a supervisor's scope)."""
    sums = {f"{q}_{c}": Sum(f"{q}_{c}") for q in QUESTIONS for c in ("promoters", "passives", "detractors")}
    rows = (
        buckets(scope=Scope.AGENT, since=since, until=until, department_ids=department_ids)
        .values("agent_key", "department_key")
        .annotate(**sums)
        .order_by("agent_key", "department_key")
    )
    return [
        AgentCounts(
            agent_key=row["agent_key"],
            department_key=row["department_key"],
            **{
                q: nps.Counts(row[f"{q}_promoters"] or 0, row[f"{q}_passives"] or 0, row[f"{q}_detractors"] or 0)
                for q in QUESTIONS
            },
        )
        for row in rows
    ]
