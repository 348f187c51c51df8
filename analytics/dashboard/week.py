"""The Monday view: last complete week (Monday to Sunday in TIME_ZONE) against the week
before and against the 13 complete weeks before it, for the viewer's scope (the company,
or a supervisor's departments), each department and each agent, on both questions.

The figures come from the NPS buckets (analytics/selectors.py); the factors a drop is
attributed to from the driver buckets (transfers, resolution, handle time, tags), the
department buckets by channel, and the themes found in the comments; the sentences from
analytics/week_summary.py. The cases part is followups' (a template tag: analytics never
imports followups).
"""

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse

from agents.models import Agent, Department
from analytics import nps, selectors, week_summary
from analytics.dashboard.common import Filters, PageRequest, dashboard_page, page_response
from analytics.digest_content import Week, last_complete_week
from analytics.models import DriverBucket, Grain, Scope
from analytics.months import period_q
from analytics.selectors import NpsRow
from analytics.themes import selectors as theme_selectors
from analytics.themes.models import Polarity, ResponseTheme, Theme
from analytics.week_summary import Figure

BASELINE_WEEKS = 13
PERIODS = ("week", "previous", "baseline")
QUESTIONS = ("company", "agent")
LONG_HANDLE = {"10–20 min", "over 20 min"}
CHANNEL_NAMES = {"phone": "phone", "chat": "chat", "email": "email", "sms": "SMS"}


@dataclass(frozen=True)
class Periods:
    week: Week

    @property
    def ranges(self) -> dict[str, tuple[date, date]]:
        previous = self.week.previous
        return {
            "week": (self.week.start, self.week.end),
            "previous": (previous.start, previous.end),
            "baseline": (self.week.start - timedelta(days=7 * BASELINE_WEEKS), self.week.start - timedelta(days=1)),
        }

    @property
    def baseline_label(self) -> str:
        """'24 Aug – 22 Nov 2026'."""
        since, until = self.ranges["baseline"]
        first = f"{since.day} {since:%b}" + (f" {since:%Y}" if since.year != until.year else "")
        return f"{first} – {until.day} {until:%b %Y}"


# --- Reads ---------------------------------------------------------------------------------------


def _factor_key(dimension: str, value: str) -> str | None:
    """A driver bucket's (dimension, value) as a factor, or None for the values that are the
    normal case (no transfer, resolved, a short contact) or unknown."""
    if dimension == "transfers" and value in {"1", "2", "3+"}:
        return "transfers"
    if dimension == "resolved" and value == "unresolved":
        return "unresolved"
    if dimension == "handle_time" and value in LONG_HANDLE:
        return "long_handle"
    if dimension == "tag":
        return f"tag:{value}"
    return None


def factor_labels() -> dict[str, str]:
    """Factor key -> the words after "mostly on"."""
    labels = {
        "transfers": "transfers",
        "unresolved": "unresolved contacts",
        "long_handle": "contacts longer than 10 minutes",
    }
    labels |= {f"channel:{key}": name for key, name in CHANNEL_NAMES.items()}
    for theme in Theme.objects.filter(active=True):
        labels[f"theme:{theme.key}"] = f"{theme.name('en').lower()} in the comments"
    return labels


def detractor_factors(span: tuple[date, date], department_ids) -> dict[tuple[int, str], dict[str, int]]:
    """(department id, question) -> factor -> detractors of the period with that factor."""
    since, until = span
    found: dict[tuple[int, str], dict[str, int]] = {}

    def add(department: int, factor: str | None, row: dict) -> None:
        if factor is None:
            return
        for question in QUESTIONS:
            per = found.setdefault((department, question), {})
            per[factor] = per.get(factor, 0) + (row[question] or 0)

    sums = {q: Sum(f"{q}_detractors") for q in QUESTIONS}
    drivers = DriverBucket.objects.filter(
        period_q(since, until, daily=Q(grain=Grain.DAY), monthly=Q(grain=Grain.MONTH))
    )
    channels = selectors.buckets(scope=Scope.DEPARTMENT, since=since, until=until)
    scope = theme_selectors.Scope(since, until, department_ids)
    themes = ResponseTheme.objects.filter(theme__active=True, polarity=Polarity.COMPLAINT, **scope.bounds("response__"))
    if department_ids is not None:
        drivers = drivers.filter(department_key__in=department_ids)
        channels = channels.filter(department_key__in=department_ids)
    for row in drivers.values("department_key", "dimension", "value").annotate(**sums):
        add(row["department_key"], _factor_key(row["dimension"], row["value"]), row)
    for row in channels.values("department_key", "channel").annotate(**sums):
        add(row["department_key"], f"channel:{row['channel']}", row)
    theme_counts = {q: Count("pk", filter=Q(**{f"response__{q}_score__lt": 7})) for q in QUESTIONS}
    for row in themes.values("response__department_id", "theme__key").annotate(**theme_counts):
        add(row["response__department_id"], f"theme:{row['theme__key']}", row)
    return found


def _sum_factors(parts: list[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for part in parts:
        for factor, count in part.items():
            total[factor] = total.get(factor, 0) + count
    return total


@dataclass
class WeekView:
    periods: Periods
    scope_name: str
    whole_company: bool
    departments: list[Department]
    scope: dict[str, Figure]  # question -> the scope's figure
    department_figures: list[Figure]
    agent_figures: list[Figure]
    agent_departments: dict[str, str]  # agent key -> department name
    min_n: int


def week_view(filters: Filters, week: Week) -> WeekView:
    """Every figure of the page, for the filters' departments (None = the whole company).

    One aggregate query per period (selectors.agent_counts: per agent and department
    snapshot, both questions): every answer has an agent, so the agent rows also sum to
    each department and to the scope."""
    periods = Periods(week)
    ids = filters.department_ids
    ranges = periods.ranges
    per_period = {
        p: selectors.agent_counts(since=ranges[p][0], until=ranges[p][1], department_ids=ids) for p in PERIODS
    }
    factors = {p: detractor_factors(ranges[p], ids) for p in PERIODS}
    departments = sorted(
        Department.objects.filter(pk__in=ids) if ids is not None else Department.objects.all(), key=lambda d: d.name
    )
    answered_agents = {row.agent_key for rows in per_period.values() for row in rows}
    agents = {a.pk: a for a in Agent.objects.filter(pk__in=answered_agents).select_related("department")}

    def totals(rows, key) -> dict:
        """key(row) -> question -> counts, summed over the rows."""
        out: dict = {}
        for row in rows:
            k = key(row)
            if k is None:
                continue
            sums = out.setdefault(k, {q: nps.Counts() for q in QUESTIONS})
            for q in QUESTIONS:
                sums[q] = sums[q] + getattr(row, q)
        return out

    by_department = {p: totals(per_period[p], lambda r: r.department_key) for p in PERIODS}
    by_agent = {p: totals(per_period[p], lambda r: r.agent_key) for p in PERIODS}
    whole = {p: totals(per_period[p], lambda r: "scope").get("scope", {}) for p in PERIODS}
    empty = nps.Counts()

    department_figures = [
        Figure(
            kind="department",
            key=department.code,
            name=department.name,
            question=q,
            **{p: by_department[p].get(department.pk, {}).get(q, empty) for p in PERIODS},
            factors={p: factors[p].get((department.pk, q), {}) for p in PERIODS},
        )
        for department in departments
        for q in QUESTIONS
    ]
    whole_company = ids is None
    if whole_company:
        scope_name = settings.COMPANY_NAME
    elif filters.department is not None:
        scope_name = filters.department.name
    else:
        scope_name = "Your departments"
    scope = {
        q: Figure(
            kind="scope",
            key="scope",
            name=scope_name,
            question=q,
            **{p: whole[p].get(q, empty) for p in PERIODS},
            factors={
                p: _sum_factors([v for (_d, question), v in factors[p].items() if question == q]) for p in PERIODS
            },
        )
        for q in QUESTIONS
    }
    agent_figures, agent_departments = [], {}
    for pk, agent in agents.items():
        agent_departments[agent.external_id] = agent.department.name if agent.department else ""
        for q in QUESTIONS:
            agent_figures.append(
                Figure(
                    kind="agent",
                    key=agent.external_id,
                    name=str(agent),
                    question=q,
                    **{p: by_agent[p].get(pk, {}).get(q, empty) for p in PERIODS},
                )
            )
    agent_figures.sort(key=lambda f: (f.name, f.question))
    return WeekView(
        periods=periods,
        scope_name=scope_name,
        whole_company=whole_company,
        departments=departments,
        scope=scope,
        department_figures=department_figures,
        agent_figures=agent_figures,
        agent_departments=agent_departments,
        min_n=settings.WEEK_MIN_RESPONSES,
    )


# --- The page ------------------------------------------------------------------------------------


def _cell(change: week_summary.Change) -> dict:
    bounds = change.interval
    text = "—" if change.points is None else week_summary.signed(change.points)
    return {
        "text": text,
        "flat": text == "0",
        "interval": "" if bounds is None else f"{week_summary.signed(bounds[0])} to {week_summary.signed(bounds[1])}",
        "real": change.real,
        "down": change.points is not None and change.points < 0,
        "n": change.before.responses,
    }


def table_row(figure: Figure, department: str = "") -> dict:
    row = NpsRow(key=figure.key, name=figure.name, counts=figure.week)
    return {
        "figure": figure,
        "department": department,
        "row": row,
        "previous": _cell(figure.change("previous")),
        "baseline": _cell(figure.change("baseline")),
    }


def csv_rows(view: WeekView) -> Iterator[tuple]:
    """The CSV's rows, made only when the CSV is asked for (a generator)."""
    for kind, figures in (
        ("scope", list(view.scope.values())),
        ("department", view.department_figures),
        ("agent", view.agent_figures),
    ):
        for f in figures:
            row = NpsRow(key=f.key, name=f.name, counts=f.week)
            line = [kind, f.key, f.name, f.question, row.responses, row.nps, *(row.ci or (None, None))]
            for against in ("previous", "baseline"):
                change = f.change(against)
                bounds = change.interval
                line += [
                    change.before.responses,
                    None if change.points is None else round(change.points, 1),
                    None if bounds is None else round(bounds[0], 1),
                    None if bounds is None else round(bounds[1], 1),
                    change.real,
                ]
            yield tuple(line)


CSV_HEADER = (
    "level",
    "key",
    "name",
    "question",
    "responses",
    "nps",
    "ci_low",
    "ci_high",
    "previous_week_responses",
    "change_vs_previous_week",
    "change_vs_previous_week_low",
    "change_vs_previous_week_high",
    "beyond_noise_vs_previous_week",
    "baseline_13_weeks_responses",
    "change_vs_13_week_average",
    "change_vs_13_week_average_low",
    "change_vs_13_week_average_high",
    "beyond_noise_vs_13_week_average",
)


def requested_week(value: str) -> Week | None:
    """?week=YYYY-MM-DD (any day of it; the digests link this way): that week if it is
    complete, the last complete week when absent, None when invalid or not over yet."""
    latest = last_complete_week()
    if not value:
        return latest
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    week = Week(day - timedelta(days=day.weekday()))
    return week if week.start <= latest.start else None


@dashboard_page()
def week_page(request: HttpRequest, page: PageRequest) -> HttpResponse:
    week = requested_week(request.GET.get("week", ""))
    if week is None:
        return page_response(request, "dashboard/bad_filters.html", page, {"bad_week": True}, status=400)
    # The dates of the filter bar do not apply here: the page is one complete week.
    filters = replace(page.filters, since=week.start, until=week.end, channel="")
    view = week_view(filters, week)
    labels = factor_labels()
    summary = week_summary.summarise([*view.scope.values(), *view.department_figures], min_n=view.min_n, labels=labels)
    agents_on_own_question = [f for f in view.agent_figures if f.question == "agent"]
    movers = week_summary.movers(agents_on_own_question, min_n=view.min_n)
    too_few = sum(
        1
        for f in agents_on_own_question
        if f.week.responses and min(f.week.responses, f.previous.responses) < view.min_n
    )
    context = {
        "view": view,
        "week": week,
        "summary": summary,
        "labels": labels,
        "scope_rows": [table_row(view.scope[q]) for q in QUESTIONS],
        "department_rows": [table_row(f) for f in view.department_figures],
        "movers": [{**table_row(m.figure, view.agent_departments.get(m.figure.key, "")), "mover": m} for m in movers],
        "agents_too_few": too_few,
        "agent_rows": [
            table_row(f, view.agent_departments.get(f.key, "")) for f in view.agent_figures if f.week.responses
        ],
        "cases_filters": filters,
        "has_data": any(f.week.responses for f in view.scope.values()),
    }
    return page_response(
        request,
        "dashboard/week.html",
        page,
        context,
        csv_name="nps-week",
        csv_header=CSV_HEADER,
        csv_rows=csv_rows(view),
        csv_query={"week": request.GET["week"]} if request.GET.get("week") else None,
    )
