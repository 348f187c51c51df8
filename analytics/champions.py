"""Champions: the agents customers rate highest on the agent question, where they work, and
a plan to spread them when one department holds too many of them.

Ranking. Each agent's agent-question NPS over the period is shrunk toward the company-wide
agent-question NPS (empirical Bayes): adjusted = (100·(P − D) + w·prior) / (n + w), as if w
extra answers at the company's level had been seen. w is nps.prior_weight over the ranked
agents: the noise of one answer over the real spread between agents (method of moments),
large when agents barely differ, small when they clearly do. Why shrinkage rather than the
interval's lower bound: the design's interval collapses to a point when every answer is a
promoter (3 perfect answers give [100, 100], which would rank first), and otherwise the bound
orders agents by how sure we are rather than how good they are; shrinkage estimates how good
each agent is and moves an estimate the less the more answers back it. Why toward the
company and not the department: shrinking toward the department would lift every agent of
a strong department and sink those of a weak one before the ranking is read, manufacturing
the very concentration the analysis measures. Only agents with at least `min_responses`
answers are ranked; the others are listed under not_enough_answers with their n, never
ranked. Ties go to the agent with more answers.

Data. Figures come from the agent-scope buckets, never raw responses, in a fixed number of
queries. An agent who moved has rows under two department snapshots: for the ranking their
answers are summed, and for concentration and the plan they count in their current
department (Agent.department), since that is where they would be moved or paired from. The
team figures the plan quotes (a department's NPS, an agent's share of its answers) are over
the agents working there now; the gaps (analytics/gaps.py) use the snapshots like every
dashboard.

Concentration. Per department: ranked agents, share of ranked agents, champions in the top
N, expected count N × share, and the hypergeometric tail P(X ≥ observed): how likely that
many of the top N would come from it if the top N were drawn at random from the ranked
agents. Concentrated when the leading department holds at least CONCENTRATION_SHARE of the
top N and its tail probability is below CONCENTRATION_P.

Plan (only when concentrated; built in analytics/champion_plan.py). The department keeps its
best champions up to its fair share (the expected count rounded up, at least one). Each
surplus champion is paired with one or two low scorers (ranked agents in the bottom
LOW_SCORER_QUANTILE whose adjusted NPS is below the company's) in other departments, taken
round-robin, departments with the most low scorers (then the lowest NPS) first. "move" when
the target department has no champion and the source keeps its fair share after the move;
otherwise "pair" (mentoring, buddy shifts, call listening). Expected effects assume pairing
closes PAIRING_GAP_CLOSED of a low scorer's gap to the company's agent NPS (an assumption to
check next period, not a measured effect) and that a moved champion keeps their adjusted NPS
and answer volume; each item's effect is computed on its own against the period's figures.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from agents.models import Agent, Department
from analytics import champion_plan, gaps, nps, selectors
from analytics.champion_plan import ASSUMPTION, LOW_SCORER_QUANTILE, PAIRING_GAP_CLOSED, PlanItem, percent, round1
from analytics.models import ChampionSnapshot

CONCENTRATION_SHARE = 0.5
CONCENTRATION_P = 0.01
NO_DEPARTMENT = "No department"


@dataclass(frozen=True)
class AgentFigure:
    """One agent's agent-question counts over the period, in their current department."""

    pk: int
    key: str
    name: str
    department_pk: int | None
    department: str | None
    department_name: str
    counts: nps.Counts
    adjusted: float | None = None  # the shrunk NPS, for ranked agents
    rank: int | None = None

    @property
    def n(self) -> int:
        return self.counts.responses

    def as_dict(self) -> dict:
        ci = nps.interval(self.counts)
        row = {
            "key": self.key,
            "name": self.name,
            "department": self.department,
            "department_name": self.department_name,
            "n": self.n,
            "nps": round1(nps.nps(self.counts)),
            "ci_low": round1(ci[0]) if ci else None,
            "ci_high": round1(ci[1]) if ci else None,
        }
        if self.rank is not None:
            row = {"rank": self.rank, **row, "shrunk_nps": round1(self.adjusted)}
        return row


@dataclass(frozen=True)
class DepartmentShare:
    department_pk: int | None
    department: str | None
    name: str
    ranked: int
    share: float
    champions: int
    expected: float
    tail_probability: float

    def as_dict(self) -> dict:
        return {
            "department": self.department,
            "name": self.name,
            "ranked_agents": self.ranked,
            "share_of_ranked": round(self.share, 4),
            "champions": self.champions,
            "expected_champions": round(self.expected, 2),
            "tail_probability": self.tail_probability,
        }


@dataclass
class ChampionAnalysis:
    since: date
    until: date
    min_responses: int
    top_n: int
    company: nps.Counts
    prior_weight: float
    ranking: list[AgentFigure]
    not_enough_answers: list[AgentFigure]
    concentration: list[DepartmentShare]
    concentrated: bool
    concentrated_department: str | None
    summary: str
    plan: list[PlanItem]
    plan_reason: str
    gaps: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        company_nps = nps.nps(self.company)
        return {
            "period": {"since": self.since.isoformat(), "until": self.until.isoformat()},
            "parameters": {
                "min_responses": self.min_responses,
                "top_n": self.top_n,
                "concentration_share": CONCENTRATION_SHARE,
                "concentration_p": CONCENTRATION_P,
                "low_scorer_quantile": LOW_SCORER_QUANTILE,
                "pairing_gap_closed": PAIRING_GAP_CLOSED,
            },
            "method": {
                "ranking": (
                    f"Agents with at least {self.min_responses} answers on the agent question are ranked by their "
                    f"NPS shrunk toward the company's agent NPS ({round1(company_nps)}) as if "
                    f"{round(self.prior_weight, 1)} extra answers at that level had been seen (empirical Bayes, "
                    "weight from the spread between agents); ties go to more answers."
                ),
                "attribution": (
                    "An agent's answers are summed across departments; for concentration and the plan an agent "
                    "counts in their current department."
                ),
                "concentration": (
                    "Champions per department against its share of ranked agents; the tail probability is "
                    "hypergeometric. Concentrated when one department holds at least "
                    f"{percent(CONCENTRATION_SHARE)} of the top N with probability below {CONCENTRATION_P}."
                ),
                "plan": ASSUMPTION,
            },
            "company_agent_nps": round1(company_nps),
            "company_responses": self.company.responses,
            "prior_weight": round(self.prior_weight, 1),
            "ranking": [{**a.as_dict(), "champion": a.rank <= self.top_n} for a in self.ranking],
            "concentration": [d.as_dict() for d in self.concentration],
            "concentrated": self.concentrated,
            "concentrated_department": self.concentrated_department,
            "summary": self.summary,
            "plan": [item.as_dict() for item in self.plan],
            "plan_reason": self.plan_reason,
            "not_enough_answers": [
                {**a.as_dict(), "answers_needed": self.min_responses - a.n} for a in self.not_enough_answers
            ],
            "gaps": self.gaps,
        }


def analyse(
    *, since: date, until: date, min_responses: int | None = None, top_n: int | None = None
) -> ChampionAnalysis:
    """Rank agents, measure department concentration of the top N, and plan when needed."""
    minimum = settings.CHAMPION_MIN_RESPONSES if min_responses is None else min_responses
    top_n = settings.CHAMPION_TOP_N if top_n is None else top_n
    rows = selectors.agent_counts(since=since, until=until)
    agents, figures, company, weight, ranking = _ranking(rows, minimum)
    departments = Department.objects.in_bulk({r.department_key for r in rows})
    not_enough = sorted(
        (f for f in figures if f.n < minimum and (f.n > 0 or agents[f.pk].active)), key=lambda f: (-f.n, f.name)
    )
    top = ranking[:top_n]
    shares = _concentration(ranking, top)
    leader = next((d for d in shares if d.department_pk is not None), None)
    concentrated = bool(
        leader and leader.champions >= CONCENTRATION_SHARE * len(top) and leader.tail_probability < CONCENTRATION_P
    )
    analysis = ChampionAnalysis(
        since=since,
        until=until,
        min_responses=minimum,
        top_n=top_n,
        company=company,
        prior_weight=weight,
        ranking=ranking,
        not_enough_answers=not_enough,
        concentration=shares,
        concentrated=concentrated,
        concentrated_department=leader.department if concentrated else None,
        summary=_summary(leader, len(top), minimum, concentrated),
        plan=[],
        plan_reason="",
        gaps=gaps.compute(rows, agents=agents, departments=departments, min_responses=minimum),
    )
    if not ranking:
        analysis.plan_reason = "No plan: nobody has enough answers to be ranked yet."
    elif not concentrated:
        analysis.plan_reason = f"No plan needed: the top {len(top)} are not concentrated in one department."
    else:
        team_counts: dict[int | None, nps.Counts] = defaultdict(nps.Counts)
        for f in figures:
            team_counts[f.department_pk] += f.counts
        analysis.plan, analysis.plan_reason = champion_plan.build(ranking, top, leader, shares, team_counts, company)
    return analysis


def _ranking(rows: list[selectors.AgentCounts], minimum: int):
    """Every agent's figure, the company's counts, the prior weight and the fair ranking."""
    with_answers = {r.agent_key for r in rows}
    agents = {
        a.pk: a for a in Agent.objects.filter(Q(pk__in=with_answers) | Q(active=True)).select_related("department")
    }
    per_agent: dict[int, nps.Counts] = defaultdict(nps.Counts)
    for row in rows:
        per_agent[row.agent_key] += row.agent
    company = sum(per_agent.values(), nps.Counts())
    figures = [_figure(agent, per_agent.get(pk, nps.Counts())) for pk, agent in agents.items()]
    eligible = [f for f in figures if f.n >= minimum and f.n > 0]
    weight = nps.prior_weight([f.counts for f in eligible])
    return agents, figures, company, weight, _rank(eligible, prior=nps.nps(company) or 0.0, weight=weight)


def top_agent_keys(*, since: date, until: date) -> set[str]:
    """External ids of the top N of the ranking analyse() would make (the champion badges),
    without the concentration, gaps and plan."""
    rows = selectors.agent_counts(since=since, until=until)
    ranking = _ranking(rows, settings.CHAMPION_MIN_RESPONSES)[-1]
    return {f.key for f in ranking[: settings.CHAMPION_TOP_N]}


def visible_to(data: dict, department_codes: set[str] | None) -> dict:
    """The analysis (as_dict) as a viewer limited to these departments may see it: every
    department's counts stay (they are the benchmark the concentration is measured against),
    agents appear by name only in those departments, and only the plan items that move or
    pair someone there remain. None means everything."""
    if department_codes is None:
        return data

    def mine(code: str | None) -> bool:
        return code in department_codes

    gaps_data = data.get("gaps") or {}
    plan = [i for i in data["plan"] if mine(i["from_department"]) or mine(i["target_department"])]
    return {
        **data,
        "ranking": [r for r in data["ranking"] if mine(r["department"])],
        "not_enough_answers": [r for r in data["not_enough_answers"] if mine(r["department"])],
        "plan": [_plan_item_visible(item, mine) for item in plan],
        "gaps": {
            **gaps_data,
            "departments": [g for g in gaps_data.get("departments", []) if mine(g["key"])],
            "agents": [g for g in gaps_data.get("agents", []) if mine(g["department"])],
        },
    }


AGENT_FIGURES = ("key", "n", "nps", "ci_low", "ci_high", "rank", "shrunk_nps", "expected_gain")


def _anonymous(agent: dict) -> dict:
    """An agent of a department the viewer does not see: only the department remains."""
    hidden = {name: None for name in AGENT_FIGURES if name in agent}
    return {**agent, **hidden, "name": f"an agent in {agent['department_name']}", "hidden": True}


def _plan_item_visible(item: dict, mine) -> dict:
    """A plan item with other departments' agents shown as counts only, never by name or figure."""
    champion, paired = item["champion"], item["paired"]
    if mine(champion["department"]) and all(mine(p["department"]) for p in paired):
        return item
    champion = champion if mine(champion["department"]) else _anonymous(champion)
    paired = [p if mine(p["department"]) else _anonymous(p) for p in paired]
    who = " and ".join(p["name"] for p in paired)
    if item["action"] == "move":
        text = f"Move {champion['name']} to {item['target_department_name']} and pair them there with {who}."
    else:
        text = f"Pair {champion['name']} with {who} in {item['target_department_name']}."
    return {**item, "champion": champion, "paired": paired, "text": text}


def refresh_snapshot(*, today: date | None = None) -> ChampionSnapshot:
    """Store the analysis of the last CHAMPION_PERIOD_DAYS local days (today included)."""
    until = today or timezone.localdate()
    since = until - timedelta(days=settings.CHAMPION_PERIOD_DAYS - 1)
    analysis = analyse(since=since, until=until)
    return ChampionSnapshot.objects.create(
        since=since, until=until, min_responses=analysis.min_responses, top_n=analysis.top_n, data=analysis.as_dict()
    )


def _figure(agent: Agent, counts: nps.Counts) -> AgentFigure:
    department = agent.department
    return AgentFigure(
        pk=agent.pk,
        key=agent.external_id,
        name=str(agent),
        department_pk=department.pk if department else None,
        department=department.code if department else None,
        department_name=department.name if department else NO_DEPARTMENT,
        counts=counts,
    )


def _rank(eligible: list[AgentFigure], *, prior: float, weight: float) -> list[AgentFigure]:
    adjusted = [replace(f, adjusted=nps.shrunk_nps(f.counts, prior_nps=prior, prior_weight=weight)) for f in eligible]
    adjusted.sort(key=lambda f: (-f.adjusted, -f.n, f.name, f.key))
    return [replace(f, rank=i) for i, f in enumerate(adjusted, start=1)]


def _concentration(ranking: list[AgentFigure], top: list[AgentFigure]) -> list[DepartmentShare]:
    ranked = Counter(f.department_pk for f in ranking)
    champions = Counter(f.department_pk for f in top)
    names = {f.department_pk: (f.department, f.department_name) for f in ranking}
    rows = [
        DepartmentShare(
            department_pk=pk,
            department=names[pk][0],
            name=names[pk][1],
            ranked=count,
            share=count / len(ranking),
            champions=champions[pk],
            expected=len(top) * count / len(ranking),
            tail_probability=nps.hypergeometric_tail(
                population=len(ranking), successes=count, draws=len(top), observed=champions[pk]
            ),
        )
        for pk, count in ranked.items()
    ]
    return sorted(rows, key=lambda d: (-d.champions, d.tail_probability, d.name))


def odds(p: float) -> str:
    """A probability in words: '38 %', '1 in 4,600', '1 in 2 million'."""
    if p >= 0.01:
        return percent(p)
    if p < 1e-9:
        return "less than 1 in a billion"
    inverse = float(f"{1 / p:.2g}")
    if inverse >= 1e6:
        millions = float(f"{inverse / 1e6:.2g}")
        return f"1 in {millions:g} million"
    return f"1 in {int(inverse):,}"


def _summary(leader: DepartmentShare | None, drawn: int, minimum: int, concentrated: bool) -> str:
    if leader is None or drawn == 0:
        return f"Nobody has {minimum} or more answers on the agent question in this period, so nobody is ranked."
    head = (
        f"{leader.champions} of the top {drawn} agents work in {leader.name}, "
        f"which has {percent(leader.share)} of ranked agents"
    )
    if concentrated:
        return f"{head}; by chance this would happen with probability {odds(leader.tail_probability)}."
    if leader.champions < CONCENTRATION_SHARE * drawn:
        return (
            f"The top {drawn} agents are spread across departments: the most, {leader.champions}, work in "
            f"{leader.name}, which has {percent(leader.share)} of ranked agents."
        )
    return (
        f"{head}; chance alone would give this with probability {odds(leader.tail_probability)}, "
        "so it is not treated as concentration."
    )


@dataclass(frozen=True)
class FairRanking:
    """The champion ranking alone (no concentration or plan): ranked agents best first, and
    the company's agent-question counts their NPS is shrunk toward."""

    ranking: list[AgentFigure]
    company: nps.Counts
    min_responses: int

    def standing(self, agent_pk: int) -> "Standing | None":
        """Where one agent stands; None when they are not ranked (too few answers)."""
        found = next((f for f in self.ranking if f.pk == agent_pk), None)
        if found is None:
            return None
        return Standing(rank=found.rank, of=len(self.ranking), adjusted=found.adjusted, counts=found.counts)


@dataclass(frozen=True)
class Standing:
    """One agent's rank among the ranked agents, without naming anyone else."""

    rank: int
    of: int
    adjusted: float
    counts: nps.Counts

    @property
    def n(self) -> int:
        return self.counts.responses

    @property
    def ahead_of_percent(self) -> int:
        """The share of the other ranked agents this agent ranks above (0–100)."""
        return 100 if self.of <= 1 else round(100 * (self.of - self.rank) / (self.of - 1))


def fair_ranking(*, since: date, until: date, min_responses: int | None = None) -> FairRanking:
    """Rank agents as analyse() does (same shrinkage, same minimum), nothing more."""
    minimum = settings.CHAMPION_MIN_RESPONSES if min_responses is None else min_responses
    _agents, _figures, company, _weight, ranking = _ranking(selectors.agent_counts(since=since, until=until), minimum)
    return FairRanking(ranking=ranking, company=company, min_responses=minimum)
