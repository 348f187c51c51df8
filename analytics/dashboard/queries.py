"""Reads behind the dashboards, all from derived tables (buckets, histogram, funnel,
drivers), each one aggregate query whatever the number of agents or days."""

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import DateField, F, Func, Q, QuerySet, Sum
from django.utils import timezone

from analytics import nps
from analytics.breakdowns import FUNNEL_COUNTERS
from analytics.buckets import day_start
from analytics.dashboard.common import Filters
from analytics.figures import TrendPoint
from analytics.models import SCORES, DriverBucket, FunnelBucket, Grain, NpsBucket, Scope, ScoreHistogram
from analytics.months import period_q
from analytics.selectors import NpsRow, period_rows

QUESTIONS = ("agent", "company")


def scoped(qs: QuerySet, filters: Filters, *, days: bool = True) -> QuerySet:
    """Restrict a derived table to the filters' period, departments and channel."""
    if days:
        qs = qs.filter(day__gte=filters.since, day__lte=filters.until)
    if filters.department_ids is not None:
        qs = qs.filter(department_key__in=filters.department_ids)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    return qs


def nps_buckets(filters: Filters, scope: str = Scope.DEPARTMENT, *, by_week: bool = False) -> QuerySet[NpsBucket]:
    """Bucket rows that sum to the filters' period. Department-scope rows answer
    company-wide questions too (they sum to the company). Agent-scope reads use the monthly
    rollups for whole months, unless they group by week (`by_week`)."""
    if by_week:
        rows = Q(scope=scope, day__gte=filters.since, day__lte=filters.until)
    else:
        rows = period_rows(scope, filters.since, filters.until)
    return scoped(NpsBucket.objects.filter(rows), filters, days=False)


class PeriodStart(Func):
    """The Monday of the week, or the 1st of the month, of a date column, by date arithmetic
    (TruncWeek and TruncMonth go through a time-zone-aware timestamp per row: several
    times slower over the hundreds of thousands of agent-day rows of a year)."""

    output_field = DateField()

    def __init__(self, expression, *, interval: str):
        if interval not in ("week", "month"):
            raise ValueError(interval)
        self.interval = interval
        super().__init__(expression)

    def as_postgresql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        field = "ISODOW" if self.interval == "week" else "DAY"
        return f"({column} - CAST(EXTRACT({field} FROM {column}) AS integer) + 1)", params

    def as_sqlite(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        if self.interval == "month":
            return f"date({column}, 'start of month')", params
        return f"date({column}, '-' || ((CAST(strftime('%%w', {column}) AS integer) + 6) %% 7) || ' days')", params


def period_start(filters: Filters) -> PeriodStart:
    return PeriodStart(F("day"), interval="month" if filters.interval == "month" else "week")


def _sums() -> dict:
    return {f"{q}_{c}": Sum(f"{q}_{c}") for q in QUESTIONS for c in ("promoters", "passives", "detractors")}


def counts_of(row: dict, question: str) -> nps.Counts:
    return nps.Counts(
        row.get(f"{question}_promoters") or 0,
        row.get(f"{question}_passives") or 0,
        row.get(f"{question}_detractors") or 0,
    )


def agent_totals(filters: Filters, agent_key: int) -> dict[str, nps.Counts]:
    """One agent's counts over the period, across every department they worked in."""
    row = nps_buckets(filters, Scope.AGENT).filter(agent_key=agent_key).aggregate(**_sums())
    return {q: counts_of(row, q) for q in QUESTIONS}


def totals(filters: Filters) -> dict[str, nps.Counts]:
    """Counts for both questions over the filters."""
    row = nps_buckets(filters).aggregate(**_sums())
    return {q: counts_of(row, q) for q in QUESTIONS}


def company_totals(filters: Filters) -> dict[str, nps.Counts]:
    """The whole company over the same period and channel (the benchmark everyone sees)."""
    qs = NpsBucket.objects.filter(scope=Scope.COMPANY, day__gte=filters.since, day__lte=filters.until)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    row = qs.aggregate(**_sums())
    return {q: counts_of(row, q) for q in QUESTIONS}


def trend(
    filters: Filters, *, scope_filter: Q | None = None, scope: str = Scope.DEPARTMENT
) -> dict[str, list[TrendPoint]]:
    """NPS per week or month for both questions, with intervals and n."""
    trunc = period_start(filters)
    qs = nps_buckets(filters, scope, by_week=filters.interval != "month")
    if scope_filter is not None:
        qs = qs.filter(scope_filter)
    rows = qs.annotate(period=trunc).values("period").annotate(**_sums()).order_by("period")
    series: dict[str, list[TrendPoint]] = {q: [] for q in QUESTIONS}
    today = timezone.localdate()
    for row in rows:
        period = row["period"].isoformat() if isinstance(row["period"], date) else str(row["period"])[:10]
        partial = partial_period(date.fromisoformat(period), filters, today=today)
        for q in QUESTIONS:
            counts = counts_of(row, q)
            value, bounds = nps.nps(counts), nps.interval(counts)
            series[q].append(
                TrendPoint(
                    period=period,
                    nps=None if value is None else round(value, 1),
                    ci_low=None if bounds is None else round(bounds[0], 1),
                    ci_high=None if bounds is None else round(bounds[1], 1),
                    responses=counts.responses,
                    partial=partial,
                )
            )
    return series


def period_end(start: date, interval: str) -> date:
    """The last day of the week (Monday start) or month starting on `start`."""
    if interval == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return start + timedelta(days=6)


def partial_period(start: date, filters: Filters, *, today: date) -> str:
    """Why a trend point covers less than a whole week or month, if it does: the one still
    running ("week in progress"), or one the filters' dates cut ("partial week"). Fewer
    days mean fewer answers and a wider interval, so such a point is drawn apart."""
    unit = "month" if filters.interval == "month" else "week"
    end = period_end(start, filters.interval)
    if start <= today <= end and filters.until >= today:
        return f"{unit} in progress"
    if start < filters.since or end > filters.until:
        return f"partial {unit}"
    return ""


def score_histogram(filters: Filters, question: str) -> list[int]:
    row = scoped(ScoreHistogram.objects.all(), filters).aggregate(**{str(s): Sum(f"{question}_{s}") for s in SCORES})
    return [row[str(s)] or 0 for s in SCORES]


def _grain_rows(filters: Filters) -> Q:
    """Rows of a table with a day/month grain summing to the filters' period: month rows
    for whole months, day rows at the edges."""
    return period_q(filters.since, filters.until, daily=Q(grain=Grain.DAY), monthly=Q(grain=Grain.MONTH))


def funnel_rows(filters: Filters) -> QuerySet[FunnelBucket]:
    return scoped(FunnelBucket.objects.filter(_grain_rows(filters)), filters, days=False)


def funnel(filters: Filters, *, agent_key: int | None = None) -> dict[str, int]:
    qs = funnel_rows(filters)
    if agent_key is not None:
        qs = qs.filter(agent_key=agent_key)
    row = qs.aggregate(**{counter: Sum(counter) for counter in FUNNEL_COUNTERS})
    return {k: v or 0 for k, v in row.items()}


def funnel_by_agent(filters: Filters, *, agent_keys: list[int] | None = None) -> dict[int, dict[str, int]]:
    qs = funnel_rows(filters)
    if agent_keys is not None:
        qs = qs.filter(agent_key__in=agent_keys)
    rows = qs.values("agent_key").annotate(
        interactions=Sum("interactions"), invited=Sum("invited"), answered=Sum("answered")
    )
    return {r["agent_key"]: r for r in rows}


def by_channel(filters: Filters, question: str) -> list[NpsRow]:
    rows = nps_buckets(filters).values("channel").annotate(**_sums()).order_by("channel")
    return [
        NpsRow(
            key=r["channel"],
            name=r["channel"].upper() if r["channel"] == "sms" else r["channel"].title(),
            counts=counts_of(r, question),
        )
        for r in rows
    ]


def by_department(filters: Filters) -> dict[int, dict[str, nps.Counts]]:
    rows = nps_buckets(filters).values("department_key").annotate(**_sums())
    return {r["department_key"]: {q: counts_of(r, q) for q in QUESTIONS} for r in rows}


def by_department_and_period(filters: Filters, question: str) -> dict[tuple[int, str], nps.Counts]:
    trunc = period_start(filters)
    rows = (
        nps_buckets(filters, by_week=filters.interval != "month")
        .annotate(period=trunc)
        .values("department_key", "period")
        .annotate(**_sums())
    )
    return {(r["department_key"], str(r["period"])[:10]): counts_of(r, question) for r in rows}


def by_agent(filters: Filters) -> dict[int, dict[str, nps.Counts]]:
    """Per agent (summed over department snapshots within the filters), both questions."""
    rows = nps_buckets(filters, Scope.AGENT).values("agent_key").annotate(**_sums())
    return {r["agent_key"]: {q: counts_of(r, q) for q in QUESTIONS} for r in rows}


SPARKLINE_WEEKS_UP_TO_DAYS = 120


def by_agent_and_period(
    filters: Filters, question: str, *, agent_keys: list[int] | None = None
) -> dict[int, dict[str, nps.Counts]]:
    """Per agent and period, for sparklines: by the filters' interval, but by month when the
    period is longer than about four months (a sparkline of 52 weekly points is noise, and
    months come from the monthly rollups)."""
    by_week = filters.interval != "month" and filters.days <= SPARKLINE_WEEKS_UP_TO_DAYS
    trunc = PeriodStart(F("day"), interval="week" if by_week else "month")
    qs = nps_buckets(filters, Scope.AGENT, by_week=by_week)
    if agent_keys is not None:
        qs = qs.filter(agent_key__in=agent_keys)
    rows = (
        qs.annotate(period=trunc)
        .values("agent_key", "period")
        .annotate(**{c: Sum(f"{question}_{c}") for c in ("promoters", "passives", "detractors")})
    )
    result: dict[int, dict[str, nps.Counts]] = defaultdict(dict)
    for r in rows:
        result[r["agent_key"]][str(r["period"])[:10]] = nps.Counts(
            r["promoters"] or 0, r["passives"] or 0, r["detractors"] or 0
        )
    return result


def drivers(filters: Filters, question: str) -> dict[str, dict[str, nps.Counts]]:
    """{dimension: {value: counts}} from the driver buckets."""
    rows = (
        scoped(DriverBucket.objects.filter(_grain_rows(filters)), filters, days=False)
        .values("dimension", "value")
        .annotate(**{c: Sum(f"{question}_{c}") for c in ("promoters", "passives", "detractors")})
    )
    result: dict[str, dict[str, nps.Counts]] = defaultdict(dict)
    for r in rows:
        result[r["dimension"]][r["value"]] = nps.Counts(r["promoters"] or 0, r["passives"] or 0, r["detractors"] or 0)
    return result


def period_bounds(filters: Filters) -> dict:
    """Lookups selecting raw rows whose interaction happened in the period (index-friendly)."""
    return {
        "occurred_at__gte": day_start(filters.since),
        "occurred_at__lt": day_start(filters.until + timedelta(days=1)),
    }
