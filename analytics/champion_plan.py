"""The plan that spreads a concentrated department's champions: who to move or pair with
whom, and the expected effect with its assumption stated. The method is described in
analytics/champions.py; this module only builds the items."""

from __future__ import annotations

import math
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analytics import nps

if TYPE_CHECKING:
    from analytics.champions import AgentFigure, DepartmentShare

LOW_SCORER_QUANTILE = 0.25
PAIRING_GAP_CLOSED = 0.25
MAX_PAIRED = 2


def round1(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def percent(share: float) -> str:
    return f"{share * 100:.0f} %"


ASSUMPTION = (
    f"Pairing closes {percent(PAIRING_GAP_CLOSED)} of a low scorer's gap to the company's agent NPS; a moved "
    "champion keeps their adjusted NPS and answer volume. Each item is estimated on its own."
)


@dataclass(frozen=True)
class PlanItem:
    champion: AgentFigure
    action: str  # "move" or "pair"
    target: DepartmentShare
    paired: list[tuple[AgentFigure, float]]  # low scorer, expected gain in points
    target_change: float
    source_change: float
    company_change: float
    text: str

    def as_dict(self) -> dict:
        return {
            "champion": self.champion.as_dict(),
            "action": self.action,
            "from_department": self.champion.department,
            "target_department": self.target.department,
            "target_department_name": self.target.name,
            "paired": [{**a.as_dict(), "expected_gain": round1(gain)} for a, gain in self.paired],
            "expected_effect": {
                "target_department_nps_change": round1(self.target_change),
                "source_department_nps_change": round1(self.source_change),
                "company_nps_change": round1(self.company_change),
                "assumption": ASSUMPTION,
            },
            "text": self.text,
        }


def build(
    ranking: list[AgentFigure],
    top: list[AgentFigure],
    source: DepartmentShare,
    shares: list[DepartmentShare],
    team_counts: dict[int | None, nps.Counts],
    company: nps.Counts,
) -> tuple[list[PlanItem], str]:
    """Pair (or move) the source department's surplus champions with low scorers elsewhere."""
    company_nps = nps.nps(company)
    keep = max(1, math.ceil(source.expected))
    at_home = [f for f in top if f.department_pk == source.department_pk]
    surplus = at_home[keep:]
    head = (
        f"{source.name} holds {source.champions} of the top {len(top)} with {percent(source.share)} of ranked "
        f"agents; its fair share is {keep}."
    )
    if not surplus:
        return [], f"{head} It holds no champion beyond that, so there is no one to spread."
    bottom = ranking[-max(1, math.ceil(len(ranking) * LOW_SCORER_QUANTILE)) :]
    low: dict[int, list[AgentFigure]] = defaultdict(list)
    for f in sorted(bottom, key=lambda f: f.adjusted):
        if f.rank > len(top) and f.adjusted < company_nps and f.department_pk not in (None, source.department_pk):
            low[f.department_pk].append(f)
    if not low:
        return [], f"{head} No other department has low-scoring agents to pair them with."
    by_pk = {d.department_pk: d for d in shares}
    targets = deque(sorted(low, key=lambda pk: (-len(low[pk]), nps.nps(team_counts[pk]) or 0.0, by_pk[pk].name)))
    champions_in = Counter(f.department_pk for f in top)
    items: list[PlanItem] = []
    for i, champion in enumerate(surplus):
        if not targets:
            break
        remaining = sum(len(v) for v in low.values())
        take = MAX_PAIRED if remaining > len(surplus) - i else 1
        target = targets.popleft()
        paired, low[target] = low[target][:take], low[target][take:]
        if low[target]:
            targets.append(target)
        move = champions_in[target] == 0 and champions_in[source.department_pk] - 1 >= keep
        if move:
            champions_in[target] += 1
            champions_in[source.department_pk] -= 1
        items.append(
            _item(
                champion,
                by_pk[target],
                paired,
                move,
                team_counts,
                source=source,
                company_nps=company_nps,
                company=company,
            )
        )
    reason = f"{head} It keeps its {keep} best; the other {len(surplus)} are paired with or moved to low scorers below."
    if len(items) < len(surplus):
        reason = (
            f"{head} It keeps its {keep} best; {len(items)} of the other {len(surplus)} are paired with or moved to "
            f"low scorers below, and {len(surplus) - len(items)} have no low scorer left to pair with."
        )
    return items, reason


def _item(
    champion: AgentFigure,
    target: DepartmentShare,
    paired: list[AgentFigure],
    move: bool,
    team_counts: dict[int | None, nps.Counts],
    *,
    source: DepartmentShare,
    company_nps: float,
    company: nps.Counts,
) -> PlanItem:
    team = team_counts[target.department_pk]
    team_n, team_nps = team.responses, nps.nps(team) or 0.0
    gains = [PAIRING_GAP_CLOSED * (company_nps - a.adjusted) for a in paired]
    lifted = sum(g * a.n for g, a in zip(gains, paired, strict=True))
    coaching = lifted / (team_n + (champion.n if move else 0))
    company_change = lifted / company.responses
    composition = source_change = 0.0
    if move:
        composition = champion.n * (champion.adjusted - team_nps) / (team_n + champion.n)
        home = team_counts[source.department_pk]
        rest = home.responses - champion.n
        if rest > 0:
            champion_points = 100.0 * (champion.counts.promoters - champion.counts.detractors)
            home_points = 100.0 * (home.promoters - home.detractors)
            source_change = (home_points - champion_points) / rest - (nps.nps(home) or 0.0)

    who = " and ".join(f"{a.name} (adjusted NPS {a.adjusted:.0f}, {a.n} answers)" for a in paired)
    gained = " and ".join(f"{a.name} gains about {g:.1f} points" for a, g in zip(paired, gains, strict=True))
    share = sum(a.n for a in paired) / team_n if team_n else 0.0
    handles = "they handle" if len(paired) > 1 else f"{paired[0].name} handles"
    coaching_text = (
        f"if the pairing closes {percent(PAIRING_GAP_CLOSED)} of the gap to the company's agent NPS "
        f"({company_nps:.0f}), {gained}; NPS in {target.name} would rise by about {coaching:.1f} points "
        f"({handles} {percent(share)} of its answers) "
        f"and the company's by about {company_change:.1f}."
    )
    star = f"{champion.name} ({source.name}, adjusted NPS {champion.adjusted:.0f} over {champion.n} answers)"
    if move:
        text = (
            f"Move {star} to {target.name}, which has no champion, and pair them there with {who}. If "
            f"{champion.name} keeps that level and volume, NPS in {target.name} rises by about {composition:.1f} "
            f"points and NPS in {source.name} changes by {source_change:+.1f}; {coaching_text}"
        )
    else:
        text = f"Pair {star} with {who} in {target.name}: {coaching_text}"
    return PlanItem(
        champion=champion,
        action="move" if move else "pair",
        target=target,
        paired=list(zip(paired, gains, strict=True)),
        target_change=composition + coaching,
        source_change=source_change,
        company_change=company_change,
        text=text,
    )
