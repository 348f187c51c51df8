"""Coaching reads: the "who to coach this week" queue, goal progress, kudos, the promoter
comments a supervisor may send as kudos. Figures come from the NPS buckets through
analytics' selectors and the champion ranking (never a new definition of NPS here).

The queue (for the agents currently in the viewer's departments) names an agent when:
- **a real drop**: their agent-question NPS in the last complete week (Monday–Sunday) is
  below their NPS over the BASELINE_WEEKS weeks before, and the adjusted-Wald interval of the
  change excludes 0 (analytics.nps.change_is_real): a drop outside the noise; or
- **a low standing**: over the CHAMPION_PERIOD_DAYS days ending with that week they have at
  least CHAMPION_MIN_RESPONSES answers (the ranking's minimum), their adjusted NPS (the fair
  ranking's shrunk NPS) is below the company's agent NPS and they rank in the bottom
  LOW_SCORER_QUANTILE of ranked agents (the champion plan's definition of a low scorer),
  when at least four agents are ranked (a bottom quarter of fewer means nothing).
Order: agents with both reasons first; then real drops, the surest first (the change
interval's upper end lowest); then low standings, lowest adjusted NPS first.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from agents.models import Agent
from analytics import champions, figures, nps, selectors
from analytics.buckets import day_start
from analytics.champion_plan import LOW_SCORER_QUANTILE
from analytics.digest_content import Week, last_complete_week, signed
from analytics.models import NpsBucket, Scope
from analytics.themes.math import wilson
from analytics.themes.models import Polarity, ResponseTheme, Theme
from followups.coaching_models import CoachingGoal, CoachingNote, Kudos
from surveys.models import Response

BASELINE_WEEKS = 13
GOAL_CHART_WEEKS_BEFORE = 13
KUDOS_CANDIDATES = 30
KUDOS_CANDIDATE_DAYS = 90


def _interval_text(bounds: tuple[float, float] | None) -> str:
    if bounds is None:
        return ""
    return f"{signed(bounds[0], 0)} to {signed(bounds[1], 0)}"


def _per_agent(since: date, until: date) -> dict[int, nps.Counts]:
    """Agent-question counts per agent over the period, summed over department snapshots."""
    totals: dict[int, nps.Counts] = defaultdict(nps.Counts)
    for row in selectors.agent_counts(since=since, until=until):
        totals[row.agent_key] += row.agent
    return totals


@dataclass
class QueueEntry:
    agent: Agent
    week: nps.Counts
    baseline: nps.Counts
    change: tuple[float, float] | None  # interval of week − baseline, points
    dropped: bool
    standing: champions.Standing | None
    low: bool
    reasons: list[str] = field(default_factory=list)
    notes: int = 0
    last_note_at: datetime | None = None
    open_goals: int = 0

    @property
    def sort_key(self) -> tuple:
        high = self.change[1] if self.dropped and self.change else 0.0
        adjusted = self.standing.adjusted if self.low and self.standing else 0.0
        return (-(self.dropped + self.low), not self.dropped, high, adjusted, self.agent.name)


@dataclass
class CoachingQueue:
    week: Week
    baseline_since: date
    baseline_until: date
    period_since: date
    minimum: int
    ranked: int
    company_nps: float | None
    entries: list[QueueEntry]
    agents_in_scope: int


def coaching_queue(*, department_ids: frozenset[int] | None, today: date | None = None) -> CoachingQueue:
    """Who to coach this week among the active agents of these departments (None: all)."""
    week = last_complete_week(today)
    baseline_until = week.start - timedelta(days=1)
    baseline_since = week.start - timedelta(days=7 * BASELINE_WEEKS)
    period_since = week.end - timedelta(days=settings.CHAMPION_PERIOD_DAYS - 1)
    this_week = _per_agent(week.start, week.end)
    before = _per_agent(baseline_since, baseline_until)
    fair = champions.fair_ranking(since=period_since, until=week.end)
    company = nps.nps(fair.company)
    low_rank = len(fair.ranking) - int(len(fair.ranking) * LOW_SCORER_QUANTILE)  # ranks above this are low
    agents = Agent.objects.filter(active=True).select_related("department").order_by("name")
    if department_ids is not None:
        agents = agents.filter(department_id__in=department_ids)
    agents = list(agents)
    entries = []
    for agent in agents:
        current, previous = this_week.get(agent.pk, nps.Counts()), before.get(agent.pk, nps.Counts())
        change = nps.change_interval(current, previous)
        dropped = nps.change_is_real(current, previous) and change is not None and change[1] < 0
        standing = fair.standing(agent.pk)
        low = bool(
            standing is not None
            and company is not None
            and standing.adjusted < company
            and standing.rank > low_rank
            and len(fair.ranking) >= 4
        )
        if not (dropped or low):
            continue
        entry = QueueEntry(agent, current, previous, change, dropped, standing, low)
        if dropped:
            points = nps.nps(current) - nps.nps(previous)
            entry.reasons.append(
                f"Down {abs(points):.0f} points last week ({_interval_text(change)}, outside the noise): "
                f"{signed(nps.nps(current))} (n = {current.responses}) against {signed(nps.nps(previous))} "
                f"over the {BASELINE_WEEKS} weeks before (n = {previous.responses})."
            )
        if low:
            bounds = nps.interval(standing.counts)
            entry.reasons.append(
                f"Low over the last {settings.CHAMPION_PERIOD_DAYS} days: adjusted NPS {signed(standing.adjusted)} "
                f"(n = {standing.n}, 95 % interval {_interval_text(bounds)}), rank {standing.rank} of "
                f"{standing.of} ranked agents, below the company's {signed(company)}."
            )
        entries.append(entry)
    _add_coaching_counts(entries)
    entries.sort(key=lambda e: e.sort_key)
    return CoachingQueue(
        week=week,
        baseline_since=baseline_since,
        baseline_until=baseline_until,
        period_since=period_since,
        minimum=fair.min_responses,
        ranked=len(fair.ranking),
        company_nps=company,
        entries=entries,
        agents_in_scope=len(agents),
    )


def _add_coaching_counts(entries: list[QueueEntry]) -> None:
    """Notes and open goals per agent of the queue: two aggregate queries."""
    ids = [e.agent.pk for e in entries]
    notes = {
        row["agent_id"]: row
        for row in CoachingNote.objects.filter(agent_id__in=ids)
        .values("agent_id")
        .annotate(n=Count("pk"), last=Max("created_at"))
        .order_by()
    }
    goals = dict(
        CoachingGoal.objects.filter(agent_id__in=ids, status=CoachingGoal.Status.OPEN)
        .values("agent_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("agent_id", "n")
    )
    for entry in entries:
        found = notes.get(entry.agent.pk)
        entry.notes = found["n"] if found else 0
        entry.last_note_at = found["last"] if found else None
        entry.open_goals = goals.get(entry.agent.pk, 0)


# --- Goals -----------------------------------------------------------------------------------------


@dataclass
class GoalProgress:
    goal: CoachingGoal
    value: float | None  # NPS, or share of comments in % (theme goals), since the goal was set
    interval: tuple[float, float] | None
    n: int  # answers (NPS goals) or comments (theme goals) since the goal was set
    reached: bool  # beyond the noise
    on_target: bool  # the estimate meets the target (maybe within the noise)
    summary: str
    figure: dict
    theme_name: str = ""

    @property
    def chart_id(self) -> str:
        return f"goal-{self.goal.pk}"

    @property
    def status_text(self) -> str:
        if self.goal.status != CoachingGoal.Status.OPEN:
            return self.goal.get_status_display()
        if self.n == 0:
            return "No answers yet"
        if self.reached:
            return "Reached"
        return "On target" if self.on_target else "Below target"


def _chart_span(goal: CoachingGoal, today: date) -> tuple[date, date]:
    since = goal.starts_on - timedelta(weeks=GOAL_CHART_WEEKS_BEFORE)
    return since, min(today, goal.due_on)


def _week_key(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def _nps_weeks(agent_id: int, since: date, until: date) -> list[figures.TrendPoint]:
    rows = (
        NpsBucket.objects.filter(scope=Scope.AGENT, agent_key=agent_id, day__gte=since, day__lte=until)
        .annotate(week=TruncWeek("day"))
        .values("week")
        .annotate(p=Sum("agent_promoters"), pa=Sum("agent_passives"), d=Sum("agent_detractors"))
        .order_by("week")
    )
    points = []
    for row in rows:
        counts = nps.Counts(row["p"] or 0, row["pa"] or 0, row["d"] or 0)
        value, bounds = nps.nps(counts), nps.interval(counts)
        points.append(
            figures.TrendPoint(
                period=_week_key(row["week"]).isoformat(),
                nps=None if value is None else round(value, 1),
                ci_low=None if bounds is None else round(bounds[0], 1),
                ci_high=None if bounds is None else round(bounds[1], 1),
                responses=counts.responses,
            )
        )
    return points


def _mark_goal_span(figure: dict, goal: CoachingGoal, chart_since: date) -> dict:
    """The goal's start and due date as vertical lines, the x axis running to the due date."""
    layout = figure["layout"]
    for day, label in ((goal.starts_on, "set"), (goal.due_on, "due")):
        layout.setdefault("shapes", []).append(
            {
                "type": "line",
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "x0": day.isoformat(),
                "x1": day.isoformat(),
                "line": {"color": figures.COLOURS["benchmark"], "width": 1, "dash": "dot"},
            }
        )
        layout.setdefault("annotations", []).append(
            {"yref": "paper", "y": 1, "x": day.isoformat(), "text": label, "showarrow": False, "yanchor": "bottom"}
        )
    layout["xaxis"] = {
        **layout.get("xaxis", {}),
        "type": "date",
        "range": [chart_since.isoformat(), goal.due_on.isoformat()],
    }
    layout["margin"] = {**layout.get("margin", {}), "t": 24}
    return figure


def _due_text(goal: CoachingGoal, today: date) -> str:
    days = (goal.due_on - today).days
    if days < 0:
        return f"due {goal.due_on:%-d %b %Y}, {-days} days ago"
    return "due today" if days == 0 else f"due in {days} days ({goal.due_on:%-d %b %Y})"


def goal_progress(goal: CoachingGoal, *, today: date | None = None) -> GoalProgress:
    today = today or timezone.localdate()
    if goal.kind == CoachingGoal.Kind.NPS:
        return _nps_progress(goal, today)
    return _theme_progress(goal, today)


def _nps_progress(goal: CoachingGoal, today: date) -> GoalProgress:
    chart_since, chart_until = _chart_span(goal, today)
    (row,) = selectors.nps_by(
        group_by="company",
        question="agent",
        since=goal.starts_on,
        until=max(goal.starts_on, chart_until),
        agent=goal.agent,
    )
    value, bounds, target = nps.nps(row.counts), nps.interval(row.counts), goal.target_nps
    reached = bounds is not None and bounds[0] >= target
    on_target = value is not None and value >= target
    if value is None:
        summary = f"No answers on the agent question since {goal.starts_on:%-d %b}; {_due_text(goal, today)}."
    else:
        gap = "" if on_target else f", {target - value:.0f} points to go"
        noise = " beyond the noise" if reached else (" but within the noise" if on_target else "")
        summary = (
            f"NPS {signed(value)} since {goal.starts_on:%-d %b} (n = {row.responses}, 95 % interval "
            f"{_interval_text(bounds)}) against the target {signed(target, 0)}{noise}{gap}; {_due_text(goal, today)}."
        )
    trend = figures.trend({"agent": _nps_weeks(goal.agent_id, chart_since, chart_until)}, target=target)
    return GoalProgress(
        goal=goal,
        value=value,
        interval=bounds,
        n=row.responses,
        reached=reached,
        on_target=on_target,
        summary=summary,
        figure=_mark_goal_span(trend, goal, chart_since),
    )


def _complaint_weeks(goal: CoachingGoal, since: date, until: date) -> dict[date, tuple[int, int]]:
    """Per week: (comments complaining about the theme, comments) of the agent's answers."""
    bounds = {"occurred_at__gte": day_start(since), "occurred_at__lt": day_start(until + timedelta(days=1))}
    zone = timezone.get_current_timezone()
    commented = (
        Response.objects.filter(agent_id=goal.agent_id, **bounds)
        .exclude(why="")
        .annotate(week=TruncWeek("occurred_at", tzinfo=zone))
        .values("week")
        .annotate(c=Count("pk"))
        .order_by()
    )
    complaints = (
        ResponseTheme.objects.filter(
            theme__key=goal.theme_key,
            polarity=Polarity.COMPLAINT,
            response__agent_id=goal.agent_id,
            **{f"response__{k}": v for k, v in bounds.items()},
        )
        .annotate(week=TruncWeek("response__occurred_at", tzinfo=zone))
        .values("week")
        .annotate(m=Count("pk"))
        .order_by()
    )
    found = {_week_key(r["week"]): r["m"] for r in complaints}
    return {_week_key(r["week"]): (found.get(_week_key(r["week"]), 0), r["c"]) for r in commented}


def _theme_progress(goal: CoachingGoal, today: date) -> GoalProgress:
    chart_since, chart_until = _chart_span(goal, today)
    weeks = _complaint_weeks(goal, chart_since, chart_until)
    theme = Theme.objects.filter(key=goal.theme_key).first()
    name = theme.name() if theme else goal.theme_key
    since_start = [v for week, v in weeks.items() if week + timedelta(days=6) >= goal.starts_on]
    # The week the goal was set counts whole: a weekly figure cannot be split.
    mentions, comments = sum(m for m, _ in since_start), sum(c for _, c in since_start)
    share = None if comments == 0 else 100.0 * mentions / comments
    ci = wilson(mentions, comments)
    bounds = None if ci is None else (100.0 * ci[0], 100.0 * ci[1])
    target = goal.target_share
    reached = bounds is not None and bounds[1] <= target
    on_target = share is not None and share <= target
    due = _due_text(goal, today)
    if share is None:
        summary = f"No comments since {goal.starts_on:%-d %b}; {due}."
    else:
        noise = " beyond the noise" if reached else (" but within the noise" if on_target else "")
        summary = (
            f"{share:.0f} % of comments complain about {name} since the week of {goal.starts_on:%-d %b} "
            f"({mentions} of {comments}, 95 % interval {bounds[0]:.0f} to {bounds[1]:.0f} %) against at most "
            f"{target} %{noise}; {due}."
        )
    ordered = sorted(weeks.items())
    xs = [week.isoformat() for week, _ in ordered]
    figure = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": xs,
                "y": [round(100.0 * m / c, 1) for _, (m, c) in ordered],
                "customdata": [[m, c] for _, (m, c) in ordered],
                "name": f"Complaints about {name}",
                "line": {"color": figures.COLOURS["detractor"], "width": 3},
                "hovertemplate": "%{y:.0f} % (%{customdata[0]} of %{customdata[1]} comments)<extra></extra>",
            }
        ],
        "layout": figures.base_layout(
            yaxis={"title": {"text": "% of comments"}, "rangemode": "tozero", "gridcolor": "#e5e7eb"},
            shapes=[
                {
                    "type": "line",
                    "xref": "paper",
                    "x0": 0,
                    "x1": 1,
                    "y0": target,
                    "y1": target,
                    "line": {"color": figures.COLOURS["target"], "width": 1, "dash": "dash"},
                }
            ],
            annotations=[
                {
                    "xref": "paper",
                    "x": 1,
                    "y": target,
                    "text": f"target {target} %",
                    "showarrow": False,
                    "xanchor": "right",
                    "yanchor": "bottom",
                }
            ],
            showlegend=False,
        ),
        "config": figures.CONFIG,
    }
    return GoalProgress(
        goal=goal,
        value=share,
        interval=bounds,
        n=comments,
        reached=reached,
        on_target=on_target,
        summary=summary,
        figure=_mark_goal_span(figure, goal, chart_since),
        theme_name=name,
    )


def goals_of(agent: Agent, *, today: date | None = None, open_only: bool = False) -> list[GoalProgress]:
    goals = CoachingGoal.objects.filter(agent=agent).select_related("agent")
    if open_only:
        goals = goals.filter(status=CoachingGoal.Status.OPEN)
    return [goal_progress(goal, today=today) for goal in goals]


# --- Notes and kudos --------------------------------------------------------------------------------


def notes_of(agent: Agent) -> QuerySet[CoachingNote]:
    """An agent's coaching notes, newest first: for supervisors and admins only."""
    return CoachingNote.objects.filter(agent=agent).select_related("author")


def kudos_of(agent: Agent, *, since: date | None = None, until: date | None = None) -> QuerySet[Kudos]:
    """Kudos the agent received, newest first (optionally sent within local days)."""
    qs = Kudos.objects.filter(agent=agent).select_related("response", "sent_by")
    if since is not None:
        qs = qs.filter(sent_at__gte=day_start(since))
    if until is not None:
        qs = qs.filter(sent_at__lt=day_start(until + timedelta(days=1)))
    return qs


def kudos_candidates(
    agent: Agent, *, department_ids: frozenset[int] | None, today: date | None = None
) -> QuerySet[Response]:
    """Recent promoter answers about the agent (agent score ≥ 9, with a comment) not yet sent
    as kudos, within the viewer's departments (None: all)."""
    today = today or timezone.localdate()
    qs = (
        Response.objects.filter(
            agent=agent,
            agent_score__gte=nps.PROMOTER_MIN,
            occurred_at__gte=day_start(today - timedelta(days=KUDOS_CANDIDATE_DAYS)),
            kudos__isnull=True,
        )
        .exclude(why="")
        .order_by("-occurred_at", "-pk")
    )
    if department_ids is not None:
        qs = qs.filter(department_id__in=department_ids)
    return qs[:KUDOS_CANDIDATES]


def kudos_lines(agent: Agent, since: date, until: date) -> list[dict]:
    """For the agent's weekly digest: the kudos sent to them within the week."""
    return [
        {
            "why": k.response.why,
            "agent_score": k.response.agent_score,
            "day": timezone.localtime(k.response.occurred_at).date(),
            "language": k.response.language,
            "message": k.message,
            "sent_by": (k.sent_by.get_full_name() or k.sent_by.get_username()) if k.sent_by else "",
        }
        for k in kudos_of(agent, since=since, until=until)
    ]
