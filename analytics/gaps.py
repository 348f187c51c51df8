"""Company-vs-agent gap: agent-question NPS minus company-question NPS over the same answers.

Every answer scores both questions, so the two NPS of an agent or a department come from
the same customers. A clearly negative gap says customers rate the agent below the company
(look at the agent); a clearly positive one says they like the agent and not the company
(look at product, policy, process). `weaker` names the lower of the two when the gap is at
least GAP_NOTEWORTHY points on at least `min_responses` answers, and is null otherwise:
smaller differences on fewer answers are within noise.

Departments are attributed by the department snapshot on each answer, like every dashboard;
an agent's row sums all their answers and shows the department they work in now.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings

from agents.models import Agent, Department
from analytics import nps, selectors

GAP_NOTEWORTHY = 10.0


@dataclass(frozen=True)
class Gap:
    key: str
    name: str
    department: str | None
    company: nps.Counts
    agent: nps.Counts
    min_responses: int

    @property
    def n(self) -> int:
        return self.agent.responses

    @property
    def gap(self) -> float | None:
        agent, company = nps.nps(self.agent), nps.nps(self.company)
        return None if agent is None or company is None else agent - company

    @property
    def weaker(self) -> str | None:
        gap = self.gap
        if gap is None or self.n < self.min_responses or abs(gap) < GAP_NOTEWORTHY:
            return None
        return "agent" if gap < 0 else "company"

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "department": self.department,
            "n": self.n,
            "agent_nps": _round(nps.nps(self.agent)),
            "company_nps": _round(nps.nps(self.company)),
            "gap": _round(self.gap),
            "weaker": self.weaker,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def compute(
    rows: Iterable[selectors.AgentCounts],
    *,
    agents: dict[int, Agent],
    departments: dict[int, Department],
    min_responses: int,
) -> dict:
    """The gaps for the company, each department (snapshot) and each agent with answers."""
    by_agent: dict[int, tuple[nps.Counts, nps.Counts]] = {}
    by_department: dict[int, tuple[nps.Counts, nps.Counts]] = {}
    total = (nps.Counts(), nps.Counts())
    for row in rows:
        for table, key in ((by_agent, row.agent_key), (by_department, row.department_key)):
            company, agent = table.get(key, (nps.Counts(), nps.Counts()))
            table[key] = (company + row.company, agent + row.agent)
        total = (total[0] + row.company, total[1] + row.agent)

    def gap(key: str, name: str, department: str | None, counts: tuple[nps.Counts, nps.Counts]) -> Gap:
        return Gap(key, name, department, counts[0], counts[1], min_responses)

    department_gaps = []
    for pk, counts in by_department.items():
        department = departments.get(pk)
        code = department.code if department else str(pk)
        department_gaps.append(gap(code, department.name if department else code, code, counts))
    agent_gaps = []
    for pk, counts in by_agent.items():
        agent = agents.get(pk)
        if agent is None:  # an answer whose agent row is gone cannot be named
            continue
        code = agent.department.code if agent.department else None
        agent_gaps.append(gap(agent.external_id, str(agent), code, counts))

    def order(g: Gap) -> tuple:  # most agent-driven first
        return (g.gap if g.gap is not None else 0.0, -g.n, g.name)

    return {
        "company": gap("company", settings.COMPANY_NAME, None, total).as_dict(),
        "departments": [g.as_dict() for g in sorted(department_gaps, key=order)],
        "agents": [g.as_dict() for g in sorted(agent_gaps, key=order)],
    }


def gaps(*, since: date, until: date, min_responses: int | None = None) -> dict:
    """Agent NPS − company NPS per department and per agent over [since, until]."""
    rows = selectors.agent_counts(since=since, until=until)
    agents = Agent.objects.select_related("department").in_bulk({r.agent_key for r in rows})
    departments = Department.objects.in_bulk({r.department_key for r in rows})
    minimum = settings.CHAMPION_MIN_RESPONSES if min_responses is None else min_responses
    return compute(rows, agents=agents, departments=departments, min_responses=minimum)
