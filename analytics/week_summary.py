"""The Monday view's words: what changed beyond the noise last week, in plain sentences.
Pure functions, no Django, like analytics/nps.py; the page (analytics/dashboard/week.py)
feeds them counts read from the buckets.

A figure of the week is compared twice: against the week before, and against the 13
complete weeks before it taken together (the "13-week average": their answers pooled, so
the average weighs each answer once). A change is news only when its adjusted-Wald
interval excludes 0 (nps.change_is_real); one inside the noise is listed compactly, never
as news. Nothing is said about a figure with fewer than `min_n` answers in the week.

"Mostly on …": a drop is attributed to the factor (a driver such as transfers, unresolved
contacts, a channel or a tag, or a theme found in the comments) whose share of the
detractors grew most, and only when that growth is itself beyond the noise: the 95 %
Agresti–Caffo interval of the difference of the two shares (one success and one failure
added to each) excludes 0. Otherwise the sentence stops at the figures: nothing is invented.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from analytics import nps

QUESTION_NAMES = {"company": "company question", "agent": "agent question"}
AGAINST = {"previous": "against the week before", "baseline": "against the 13-week average"}
MIN_SHARE_GROWTH = 0.10  # a factor must also grow by at least 10 points of the detractors' share


def signed(value: float, digits: int = 0) -> str:
    """'+12', '−4' (a real minus sign), '0'."""
    text = f"{value:+.{digits}f}"
    if text.lstrip("+-").strip("0.") == "":
        return text.lstrip("+-").replace("-", "")
    return text.replace("-", "−")


@dataclass(frozen=True)
class Change:
    """One figure against one earlier period: the change in NPS points and its interval."""

    against: str  # "previous" | "baseline"
    current: nps.Counts
    before: nps.Counts

    @property
    def points(self) -> float | None:
        now, then = nps.nps(self.current), nps.nps(self.before)
        return None if now is None or then is None else now - then

    @property
    def interval(self) -> tuple[float, float] | None:
        return nps.change_interval(self.current, self.before)

    @property
    def real(self) -> bool:
        return nps.change_is_real(self.current, self.before)

    @property
    def text(self) -> str:
        """'−12 points (−20 to −4)', or '' when either period has no answers."""
        if self.points is None:
            return ""
        low, high = self.interval
        return f"{signed(self.points)} points ({signed(low)} to {signed(high)})"


@dataclass(frozen=True)
class Figure:
    """A company, department or agent on one question: the week, the week before and the
    13 weeks before, with the detractors of each period by factor (for attribution)."""

    kind: str  # "scope" | "department" | "agent"
    key: str
    name: str
    question: str
    week: nps.Counts
    previous: nps.Counts
    baseline: nps.Counts
    factors: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # period -> factor -> detractors

    def change(self, against: str) -> Change:
        return Change(against, self.week, self.previous if against == "previous" else self.baseline)

    @property
    def changes(self) -> list[Change]:
        return [self.change("previous"), self.change("baseline")]

    def enough(self, min_n: int) -> bool:
        return self.week.responses >= min_n

    def is_news(self, min_n: int) -> bool:
        return self.enough(min_n) and any(c.real for c in self.changes)


@dataclass(frozen=True)
class Attribution:
    factor: str
    growth: float  # share of detractors, this week minus before (0–1)
    interval: tuple[float, float]


def share_growth_interval(
    now: int, now_total: int, before: int, before_total: int, z: float = nps.Z_95
) -> tuple[float, float]:
    """Agresti–Caffo 95 % interval of now/now_total − before/before_total."""
    p1 = (now + 1) / (now_total + 2)
    p2 = (before + 1) / (before_total + 2)
    half = z * math.sqrt(p1 * (1 - p1) / (now_total + 2) + p2 * (1 - p2) / (before_total + 2))
    return p1 - p2 - half, p1 - p2 + half


def attribute(
    now: Mapping[str, int], now_detractors: int, before: Mapping[str, int], before_detractors: int
) -> Attribution | None:
    """The factor whose share of the detractors grew most, if that growth is beyond the
    noise and at least MIN_SHARE_GROWTH; None when nothing stands out."""
    if now_detractors <= 0:
        return None
    best = None
    for factor in sorted(set(now) | set(before)):
        with_now, with_before = now.get(factor, 0), before.get(factor, 0)
        growth = with_now / now_detractors - (with_before / before_detractors if before_detractors else 0.0)
        if best is None or growth > best[1]:
            best = (factor, growth, with_now, with_before)
    if best is None or best[1] < MIN_SHARE_GROWTH:
        return None
    factor, growth, with_now, with_before = best
    low, high = share_growth_interval(with_now, now_detractors, with_before, before_detractors)
    if low <= 0:
        return None
    return Attribution(factor, growth, (low, high))


def attribution_for(figure: Figure, against: str) -> Attribution | None:
    """Why a drop happened (see attribute); None for a rise or without factor counts."""
    change = figure.change(against)
    if change.points is None or change.points >= 0 or not figure.factors:
        return None
    return attribute(
        figure.factors.get("week", {}),
        figure.week.detractors,
        figure.factors.get(against, {}),
        change.before.detractors,
    )


@dataclass(frozen=True)
class Sentence:
    figure: Figure
    text: str
    down: bool  # the first change beyond the noise is a drop
    attribution: Attribution | None = None


def news_sentence(figure: Figure, labels: Mapping[str, str] | None = None) -> Sentence:
    """'Billing −12 points (−20 to −4) on the company question against the week before,
    mostly on transfers (n = 120, 98 the week before).' Only the comparisons beyond the
    noise are named; the attribution follows the first of them that is a drop."""
    labels = labels or {}
    real = [c for c in figure.changes if c.real]
    first, *rest = real
    text = f"{figure.name} {first.text} on the {QUESTION_NAMES[figure.question]} {AGAINST[first.against]}"
    text += "".join(f", {c.text} {AGAINST[c.against]}" for c in rest)
    attribution = next((a for c in real if (a := attribution_for(figure, c.against)) is not None), None)
    if attribution is not None:
        text += f", mostly on {labels.get(attribution.factor, attribution.factor)}"
    counts = [f"n = {figure.week.responses}"]
    counts += [
        f"{c.before.responses} {'the week before' if c.against == 'previous' else 'in the 13 weeks before'}"
        for c in real
    ]
    return Sentence(figure, f"{text} ({', '.join(counts)}).", first.points < 0, attribution)


def noise_phrase(figure: Figure, min_n: int) -> str:
    """'Claims −3 (−15 to +9)': the change against the week before, compactly."""
    if figure.week.responses == 0:
        return f"{figure.name}: no answers"
    if not figure.enough(min_n):
        return f"{figure.name}: too few answers to tell (n = {figure.week.responses})"
    change = figure.change("previous")
    if change.points is None:
        return f"{figure.name}: no answers the week before (n = {figure.week.responses})"
    low, high = change.interval
    return f"{figure.name} {signed(change.points)} ({signed(low)} to {signed(high)})"


@dataclass
class Summary:
    news: list[Sentence]
    within_noise: dict[str, list[str]]  # question -> compact phrases


def summarise(figures: Iterable[Figure], *, min_n: int, labels: Mapping[str, str] | None = None) -> Summary:
    """News sentences (biggest change first) and, per question, the rest within the noise."""
    news, noise = [], {"company": [], "agent": []}
    for figure in figures:
        if figure.is_news(min_n):
            news.append(news_sentence(figure, labels))
        else:
            noise[figure.question].append(noise_phrase(figure, min_n))
    news.sort(key=lambda s: (s.figure.kind != "scope", -max(abs(c.points or 0) for c in s.figure.changes if c.real)))
    return Summary(news, {q: phrases for q, phrases in noise.items() if phrases})


@dataclass(frozen=True)
class Mover:
    figure: Figure
    change: Change

    @property
    def text(self) -> str:
        return self.change.text


def movers(figures: Iterable[Figure], *, min_n: int, limit: int = 10) -> list[Mover]:
    """Agents who moved most against the week before: beyond the noise first, then by the
    size of the change; agents with fewer than `min_n` answers in either week are left out
    (a change against two answers says nothing, however large)."""
    moved = [Mover(f, f.change("previous")) for f in figures if f.enough(min_n) and f.previous.responses >= min_n]
    moved.sort(key=lambda m: (not m.change.real, -abs(m.change.points), m.figure.name))
    return moved[:limit]
