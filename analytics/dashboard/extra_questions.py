"""The surveys' extra questions (CSAT, CES, yes/no) on the overview and agent pages: per
question its headline (CSAT % satisfied, CES average, % yes) with n, the distribution of
answers and the headline per week or month. Read from analytics.models.ExtraAnswerBucket,
which analytics.breakdowns rebuilds from the raw responses."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import F, QuerySet, Sum
from django.utils import timezone

from analytics import figures
from analytics.dashboard.common import Filters
from analytics.dashboard.queries import PeriodStart, partial_period, scoped
from analytics.models import ExtraAnswerBucket
from surveys.models import SCALE_BOUNDS, QuestionKind, SurveyQuestion

KIND_NAMES = {"csat": "CSAT", "ces": "CES", "yes_no": "Yes / no"}
AXIS_TITLES = {"csat": "% satisfied", "ces": "average (1–7)", "yes_no": "% yes"}
# The answers counted as good: satisfied (4–5 of 5), easy (5–7 of 7), yes.
GOOD_FROM = {"csat": 4, "ces": 5}


@dataclass
class QuestionSummary:
    key: str
    kind: str
    text: str
    counts: dict[str, int]  # answer → customers
    periods: list[tuple[str, dict[str, int], str]] = field(default_factory=list)  # (start, counts, partial)

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    @property
    def values(self) -> list[str]:
        """Every possible answer, lowest first (yes/no: no, yes)."""
        if self.kind in SCALE_BOUNDS:
            low, high = SCALE_BOUNDS[self.kind]
            return [str(v) for v in range(low, high + 1)]
        return ["false", "true"]

    @property
    def mean(self) -> float | None:
        return mean(self.kind, self.counts)

    @property
    def good_share(self) -> float | None:
        return good_share(self.kind, self.counts)

    @property
    def headline(self) -> str:
        """CSAT: % satisfied; CES: the average; yes/no: % yes."""
        if self.n == 0:
            return "—"
        if self.kind == QuestionKind.CES:
            return f"{self.mean:.2f} of 7"
        return f"{self.good_share:.0f} %"

    @property
    def headline_meaning(self) -> str:
        return {
            "csat": "satisfied (4 or 5 of 5)",
            "ces": "average effort score (7 = very easy)",
            "yes_no": "answered yes",
        }.get(self.kind, "")


def mean(kind: str, counts: dict[str, int]) -> float | None:
    """The average answer of a scale question (None without answers or for yes/no)."""
    n = sum(counts.values())
    if kind not in SCALE_BOUNDS or n == 0:
        return None
    return sum(int(value) * count for value, count in counts.items()) / n


def good_share(kind: str, counts: dict[str, int]) -> float | None:
    """% of answers that are good: satisfied (CSAT 4–5), easy (CES 5–7), or yes."""
    n = sum(counts.values())
    if n == 0:
        return None
    if kind == QuestionKind.YES_NO:
        good = counts.get("true", 0)
    else:
        good = sum(count for value, count in counts.items() if int(value) >= GOOD_FROM[kind])
    return 100 * good / n


def _rows(filters: Filters, agent_key: int | None) -> QuerySet[ExtraAnswerBucket]:
    qs = scoped(ExtraAnswerBucket.objects.all(), filters)
    if agent_key is not None:
        qs = qs.filter(agent_key=agent_key)
    return qs


def summaries(filters: Filters, *, agent_key: int | None = None) -> list[QuestionSummary]:
    """Every charted extra question answered in the filters' period (one agent's answers
    when `agent_key` is given), with its answers in total and per week or month."""
    interval = "month" if filters.interval == "month" else "week"
    rows = (
        _rows(filters, agent_key)
        .annotate(period=PeriodStart(F("day"), interval=interval))
        .values("question_key", "kind", "value", "period")
        .annotate(answers=Sum("answers"))
        .order_by("question_key", "kind", "period")
    )
    found: dict[tuple[str, str], QuestionSummary] = {}
    by_period: dict[tuple[str, str], dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        ident = (row["question_key"], row["kind"])
        summary = found.setdefault(ident, QuestionSummary(key=ident[0], kind=ident[1], text="", counts={}))
        summary.counts[row["value"]] = summary.counts.get(row["value"], 0) + row["answers"]
        period = str(row["period"])[:10]
        by_period[ident][period][row["value"]] = row["answers"]
    texts = _question_texts([key for key, _ in found])
    today = timezone.localdate()
    for ident, summary in found.items():
        summary.text = texts.get(ident, "")
        summary.periods = [
            (period, counts, partial_period(date.fromisoformat(period), filters, today=today))
            for period, counts in sorted(by_period[ident].items())
        ]
    order = {"csat": 0, "ces": 1, "yes_no": 2}
    return sorted(found.values(), key=lambda s: (order.get(s.kind, 9), s.key))


def _question_texts(keys: list[str]) -> dict[tuple[str, str], str]:
    """The question's English wording (else its first language) by (key, kind)."""
    texts: dict[tuple[str, str], str] = {}
    for question in SurveyQuestion.objects.filter(key__in=keys).order_by("pk"):
        wording = question.text or {}
        text = wording.get("en") or next(iter(wording.values()), "")
        texts.setdefault((question.key, question.kind), text)
    return texts


def figures_for(summary: QuestionSummary, prefix: str) -> dict:
    """The distribution and the per-period headline of one question, as figure dicts."""
    values = summary.values
    labels = ["No", "Yes"] if summary.kind == QuestionKind.YES_NO else values
    ces = summary.kind == QuestionKind.CES
    trend = [
        (
            period,
            mean(summary.kind, counts) if ces else good_share(summary.kind, counts),
            sum(counts.values()),
            partial,
        )
        for period, counts, partial in summary.periods
    ]
    return {
        "id": f"{prefix}-{summary.key}-{summary.kind}".replace("_", "-"),
        "table": trend,
        "distribution": figures.answer_distribution(
            labels, [summary.counts.get(v, 0) for v in values], _answer_colours(summary.kind, values)
        ),
        "trend": figures.small_trend(
            trend,
            axis_title=AXIS_TITLES.get(summary.kind, ""),
            axis_range=[0.7, 7.3] if ces else [-4, 104],  # room for the markers at the ends
        ),
    }


def _answer_colours(kind: str, values: list[str]) -> list[str]:
    """Low answers in the colour of what costs, the middle grey, good answers blue; yes/no
    neutral (whether yes is good depends on the question)."""
    if kind == QuestionKind.YES_NO:
        return [figures.COLOURS["stage"]] * len(values)
    good = GOOD_FROM[kind]
    neutral = good - 1
    return [
        figures.COLOURS["promoter"]
        if int(v) >= good
        else figures.COLOURS["passive"]
        if int(v) == neutral
        else figures.COLOURS["detractor"]
        for v in values
    ]


def context(filters: Filters, *, agent_key: int | None = None, prefix: str = "extra") -> list[dict]:
    """What the template draws: per question its summary and figures."""
    return [{"summary": s, **figures_for(s, prefix)} for s in summaries(filters, agent_key=agent_key)]
