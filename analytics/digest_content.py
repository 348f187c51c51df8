"""What the weekly digests say. Every figure comes from the NPS buckets through
analytics/selectors.py (and the agent ranking from analytics/champions.py, which reads the
same buckets); only the representative comments are read from raw answers.

A digest reports the last complete week, Monday to Sunday in TIME_ZONE (answers count on
the day of their interaction, as everywhere), against the week before.

Representative comments: for each of promoter (both questions 9–10), passive and detractor
(either question 0–6, the answers that open follow-up cases), the most recent answer of the
week with a why of at least COMMENT_MIN_CHARS characters, else the most recent with any why.
An agent's own digest sorts their comments by the agent question alone.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Length
from django.utils import timezone

from agents.models import Agent, Department
from analytics import champions, digest_hooks, nps, selectors
from analytics.buckets import day_start
from analytics.selectors import NpsRow
from analytics.themes import selectors as theme_selectors
from surveys.models import Response

COMMENT_MIN_CHARS = 20
COMMENT_MAX_CHARS = 300
TOP_AND_BOTTOM = 3


@dataclass(frozen=True)
class Week:
    start: date  # a Monday

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def previous(self) -> "Week":
        return Week(self.start - timedelta(days=7))

    def weeks_to(self, weeks: int) -> tuple[date, date]:
        """The `weeks` weeks ending with this one: (first day, last day)."""
        return self.start - timedelta(days=7 * (max(weeks, 1) - 1)), self.end

    @property
    def label(self) -> str:
        """'3–9 Mar 2025', '28 Apr – 4 May 2025', '29 Dec 2025 – 4 Jan 2026'."""
        start, end = self.start, self.end
        if start.year != end.year:
            return f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"
        if start.month != end.month:
            return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
        return f"{start.day}–{end.day} {end:%b %Y}"

    @property
    def query(self) -> str:
        """Dashboard filters selecting this week."""
        return f"since={self.start.isoformat()}&until={self.end.isoformat()}"


def last_complete_week(today: date | None = None) -> Week:
    today = today or timezone.localdate()
    return Week(today - timedelta(days=today.weekday() + 7))


def signed(value: float | None, digits: int = 1) -> str:
    """+42.0 / −7.5 / — (no answers), as on the dashboards."""
    return "—" if value is None else f"{value:+.{digits}f}".replace("-", "−")


def describe(row: NpsRow) -> str:
    """'+32.5 (n = 120, 95 % interval +20 to +45)', or 'no answers'."""
    if row.nps is None:
        return "no answers"
    low, high = row.ci
    return f"{signed(row.nps)} (n = {row.responses}, 95 % interval {signed(low, 0)} to {signed(high, 0)})"


@dataclass(frozen=True)
class Line:
    """A department or an agent in a list: name, NPS, n, interval."""

    row: NpsRow

    @property
    def name(self) -> str:
        return self.row.name

    @property
    def nps_text(self) -> str:
        return signed(self.row.nps)

    @property
    def n(self) -> int:
        return self.row.responses

    @property
    def interval_text(self) -> str:
        return "" if self.row.ci is None else f"{signed(self.row.ci[0], 0)} to {signed(self.row.ci[1], 0)}"

    @property
    def summary(self) -> str:
        return describe(self.row)

    @property
    def text(self) -> str:
        return f"{self.name}: {self.summary}"


@dataclass(frozen=True)
class Figure:
    """One NPS for the week with its n, 95 % interval and change against the week before."""

    label: str
    row: NpsRow
    previous: NpsRow

    @property
    def nps(self) -> float | None:
        return self.row.nps

    @property
    def n(self) -> int:
        return self.row.responses

    @property
    def nps_text(self) -> str:
        return signed(self.row.nps)

    @property
    def interval_text(self) -> str:
        return Line(self.row).interval_text

    @property
    def change(self) -> float | None:
        if self.row.nps is None or self.previous.nps is None:
            return None
        return round(self.row.nps - self.previous.nps, 1)

    @property
    def change_text(self) -> str:
        if self.row.nps is None:
            return ""
        if self.change is None:
            return "no answers the week before"
        arrow = "▲" if self.change > 0 else "▼" if self.change < 0 else "="
        before = f"{signed(self.previous.nps)}, n = {self.previous.responses}"
        return f"{arrow} {signed(self.change)} on the week before ({before})"

    @property
    def text(self) -> str:
        """'+32.5 (n = 120, 95 % interval +20 to +45), ▲ +3.1 on the week before (+29.4, n = 98)'."""
        return ", ".join(part for part in (describe(self.row), self.change_text) if part)


def figure(label: str, *, question: str, week: Week, department: Department | None = None) -> Figure:
    def row(period: Week) -> NpsRow:
        (only,) = selectors.nps_by(
            group_by="company", question=question, since=period.start, until=period.end, department=department
        )
        return only

    return Figure(label=label, row=row(week), previous=row(week.previous))


@dataclass(frozen=True)
class Comment:
    category: str
    company_score: int
    agent_score: int
    why: str
    agent: str
    department: str
    channel: str
    day: date
    language: str


CATEGORIES = ("promoter", "passive", "detractor")


def _category_filter(category: str, question: str | None) -> Q:
    """By one question, or (None) promoter = both 9–10, detractor = either 0–6."""
    if question is not None:
        promoter = Q(**{f"{question}_score__gte": nps.PROMOTER_MIN})
        detractor = Q(**{f"{question}_score__lt": nps.PASSIVE_MIN})
    else:
        promoter = Q(company_score__gte=nps.PROMOTER_MIN, agent_score__gte=nps.PROMOTER_MIN)
        detractor = Q(company_score__lt=nps.PASSIVE_MIN) | Q(agent_score__lt=nps.PASSIVE_MIN)
    return {"promoter": promoter, "detractor": detractor, "passive": ~promoter & ~detractor}[category]


def week_answers(week: Week) -> QuerySet[Response]:
    return Response.objects.filter(
        occurred_at__gte=day_start(week.start), occurred_at__lt=day_start(week.end + timedelta(days=1))
    )


def representative_comments(
    week: Week,
    *,
    department_ids: frozenset[int] | None = None,
    agent: Agent | None = None,
    question: str | None = None,
) -> list[Comment]:
    """Up to three comments of the week: a promoter's, a passive's and a detractor's, by
    `question`, or by both (the follow-up rule) when None."""
    answers = week_answers(week).exclude(why="")
    if department_ids is not None:
        answers = answers.filter(department_id__in=department_ids)
    if agent is not None:
        answers = answers.filter(agent=agent)
    substantial = Case(
        When(why_length__gte=COMMENT_MIN_CHARS, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    picked = []
    for category in CATEGORIES:
        response = (
            answers.filter(_category_filter(category, question))
            .annotate(why_length=Length("why"))
            .select_related("agent", "department")
            .order_by(substantial, "-occurred_at", "-pk")
            .first()
        )
        if response is not None:
            why = response.why.strip()
            picked.append(
                Comment(
                    category=category,
                    company_score=response.company_score,
                    agent_score=response.agent_score,
                    why=why if len(why) <= COMMENT_MAX_CHARS else why[: COMMENT_MAX_CHARS - 1].rstrip() + "…",
                    agent=str(response.agent),
                    department=response.department.name,
                    channel=response.get_channel_display(),
                    day=timezone.localtime(response.occurred_at).date(),
                    language=response.language,
                )
            )
    return picked


def top_and_bottom(items: list, k: int = TOP_AND_BOTTOM) -> tuple[list, list]:
    """The first k and the last k of a ranked list, never naming anyone twice."""
    top = items[: min(k, (len(items) + 1) // 2)]
    bottom = items[len(top) :][-k:]
    return top, list(reversed(bottom))


# --- Admins and executives: the company -------------------------------------------------------


@dataclass
class CompanyDigest:
    week: Week
    company: Figure
    agent: Figure
    best: list[Line]
    worst: list[Line]
    department_minimum: int
    unranked_departments: int
    cases: dict | None  # None: no app provides case lines (analytics/digest_hooks.py)
    comments: list[Comment]
    themes: theme_selectors.ThemeNews | None = None


def company_digest(week: Week) -> CompanyDigest:
    """Company and agent NPS, the best and worst departments on the company question (those
    with at least DIGEST_DEPARTMENT_MIN_RESPONSES answers), cases, three comments."""
    minimum = settings.DIGEST_DEPARTMENT_MIN_RESPONSES
    departments = selectors.nps_by(group_by="department", question="company", since=week.start, until=week.end)
    answered = [row for row in departments if row.responses > 0]
    ranked = sorted((row for row in answered if row.responses >= minimum), key=lambda r: (-r.nps, -r.responses))
    best, worst = top_and_bottom([Line(row) for row in ranked])
    return CompanyDigest(
        week=week,
        company=figure("Company question", question="company", week=week),
        agent=figure("Agent question", question="agent", week=week),
        best=best,
        worst=worst,
        department_minimum=minimum,
        unranked_departments=len(answered) - len(ranked),
        cases=digest_hooks.case_counts(None),
        comments=representative_comments(week),
        themes=theme_selectors.theme_news(theme_selectors.Scope(week.start, week.end)),
    )


# --- Supervisors: their departments -----------------------------------------------------------


@dataclass
class DepartmentDigest:
    department: Department
    company: Figure
    agent: Figure
    top: list[Line]
    bottom: list[Line]
    unranked: int  # agents with answers this week, but too few to be named
    cases: dict | None  # None: no app provides case lines (analytics/digest_hooks.py)


@dataclass
class SupervisorDigest:
    week: Week
    departments: list[DepartmentDigest]
    agent_minimum: int
    agent_weeks: int
    agent_since: date
    cases: dict | None  # None: no app provides case lines (analytics/digest_hooks.py)
    comments: list[Comment] = field(default_factory=list)
    themes: theme_selectors.ThemeNews | None = None


def supervisor_digest(week: Week, departments: list[Department]) -> SupervisorDigest:
    """Per department: NPS on both questions with the change, the top and bottom agents on
    the agent question over the last DIGEST_AGENT_WEEKS weeks, ranked as the champions are
    (sample-size aware, at least DIGEST_AGENT_MIN_RESPONSES answers), open and overdue cases."""
    minimum, weeks = settings.DIGEST_AGENT_MIN_RESPONSES, settings.DIGEST_AGENT_WEEKS
    since, until = week.weeks_to(weeks)
    analysis = champions.analyse(since=since, until=until, min_responses=minimum)
    lines = []
    for department in departments:
        ranked = [
            Line(NpsRow(key=a.key, name=a.name, counts=a.counts))
            for a in analysis.ranking
            if a.department_pk == department.pk
        ]
        top, bottom = top_and_bottom(ranked)
        unranked = sum(1 for a in analysis.not_enough_answers if a.department_pk == department.pk and a.n > 0)
        lines.append(
            DepartmentDigest(
                department=department,
                company=figure("Company question", question="company", week=week, department=department),
                agent=figure("Agent question", question="agent", week=week, department=department),
                top=top,
                bottom=bottom,
                unranked=unranked,
                cases=digest_hooks.case_counts(frozenset({department.pk})),
            )
        )
    ids = frozenset(d.pk for d in departments)
    return SupervisorDigest(
        week=week,
        departments=lines,
        agent_minimum=minimum,
        agent_weeks=weeks,
        agent_since=since,
        cases=digest_hooks.case_counts(ids),
        comments=representative_comments(week, department_ids=ids),
        themes=theme_selectors.theme_news(theme_selectors.Scope(week.start, week.end, ids)),
    )


# --- Agents: themselves against their team and the company ------------------------------------


@dataclass
class AgentDigest:
    week: Week
    agent: Agent
    own: Figure
    team: Figure | None
    company: Figure
    recent: Line  # the agent over the last DIGEST_AGENT_WEEKS weeks: a steadier figure
    recent_weeks: int
    recent_since: date
    comments: list[Comment]
    kudos: list[dict] = field(default_factory=list)  # sent to the agent that week (analytics/digest_hooks.py)


def agent_digest(week: Week, agent: Agent) -> AgentDigest:
    """The agent's NPS on the agent question (every department they answered in), their
    current team's and the company's, each with n, interval and change."""

    def own_row(since: date, until: date) -> NpsRow:
        rows = selectors.nps_by(group_by="agent", question="agent", since=since, until=until)
        found = next((r for r in rows if r.key == agent.external_id), None)
        return found or NpsRow(key=agent.external_id, name=str(agent), counts=nps.Counts())

    team = agent.department
    weeks = settings.DIGEST_AGENT_WEEKS
    since, until = week.weeks_to(weeks)
    return AgentDigest(
        week=week,
        agent=agent,
        own=Figure(
            label="You", row=own_row(week.start, week.end), previous=own_row(week.previous.start, week.previous.end)
        ),
        team=figure(f"Your team ({team.name})", question="agent", week=week, department=team) if team else None,
        company=figure("Company", question="agent", week=week),
        recent=Line(own_row(since, until)),
        recent_weeks=weeks,
        recent_since=since,
        comments=representative_comments(week, agent=agent, question="agent"),
        kudos=digest_hooks.kudos_lines(agent, week.start, week.end),
    )
