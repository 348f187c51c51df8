"""Agents: the sortable table of every agent in scope, and one agent's own page (which the
agent sees about themself)."""

from dataclasses import replace

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from agents.models import Agent
from agents.roles import viewer_for
from analytics import champions as champion_analysis
from analytics import figures, nps
from analytics.dashboard import champions as champion_page
from analytics.dashboard import extra_questions, queries
from analytics.dashboard.agent_table import agent_row
from analytics.dashboard.common import PageRequest, dashboard_page, page_response
from analytics.models import Scope
from analytics.selectors import NpsRow
from analytics.templatetags.dashboard import point_detail
from analytics.themes import selectors as theme_selectors
from surveys.models import Response

LATEST_COMMENTS = 20


def champion_keys(request: HttpRequest, page: PageRequest) -> set[str]:
    """External ids of the company's top agents over the period (sample-size aware), from
    the beat snapshot when the page shows the default period, else ranked live."""
    snapshot = champion_page.fresh_snapshot(request)
    if snapshot is not None:
        return {row["key"] for row in snapshot.data["ranking"][: snapshot.data["parameters"]["top_n"]]}
    return champion_analysis.top_agent_keys(since=page.filters.since, until=page.filters.until)


def rank_fairly(rows: list[dict]) -> None:
    """Order by NPS adjusted for sample size (empirical Bayes, as the champion ranking does):
    each agent's NPS pulled toward the NPS of all agents shown, less the more answers back it.
    Agents below the minimum come last, never ranked."""
    pooled = sum((r["row"].counts for r in rows), nps.Counts())
    prior = nps.nps(pooled) or 0.0
    weight = nps.prior_weight([r["row"].counts for r in rows if not r["thin"]])
    for r in rows:
        shrunk = nps.shrunk_nps(r["row"].counts, prior_nps=prior, prior_weight=weight)
        r["adjusted"] = None if r["thin"] or shrunk is None else round(shrunk, 1)
    rows.sort(key=lambda r: (r["thin"], -(r["adjusted"] if r["adjusted"] is not None else -101), -r["row"].responses))


AGENTS_PER_PAGE = 100


@dashboard_page()
def agent_list(request: HttpRequest, page: PageRequest) -> HttpResponse:
    filters = page.filters
    minimum = settings.CHAMPION_MIN_RESPONSES
    agents = Agent.objects.select_related("department").order_by("name")
    if filters.department_ids is not None:
        agents = agents.filter(department_id__in=filters.department_ids)
    counts = queries.by_agent(filters)
    top = champion_keys(request, page)
    rows = []
    for agent in agents:
        both = counts.get(agent.pk)
        if both is None and not agent.active:
            continue
        both = both or {q: nps.Counts() for q in queries.QUESTIONS}
        selected = NpsRow(key=agent.external_id, name=str(agent), counts=both[filters.question])
        company = nps.nps(both["company"])
        rows.append(
            {
                "agent": agent,
                "row": selected,
                "gap": None
                if selected.nps is None or company is None or filters.question != "agent"
                else round(selected.nps - company, 1),
                "champion": agent.external_id in top,
                "thin": selected.responses < minimum,
            }
        )
    rank_fairly(rows)
    is_csv = request.GET.get("format") == "csv"
    # The table shows one page of the ranking; the CSV holds every agent.
    shown = rows if is_csv else Paginator(rows, AGENTS_PER_PAGE).get_page(request.GET.get("page"))
    _add_trend_and_coverage(list(shown), filters, with_trend=not is_csv)
    query = filters.query()
    list_url = reverse("dashboard-agents")
    if not is_csv:
        for r in shown:
            r["html"] = agent_row(r, query=query, with_gap=filters.question == "agent", list_url=list_url)
    context = {
        "rows": shown,
        "page_obj": shown,
        "minimum": minimum,
        "query": query,
        "has_data": any(r["row"].responses for r in rows),
    }
    csv_rows = (  # read only for the CSV, where every row has its coverage
        (
            r["agent"].external_id,
            str(r["agent"]),
            r["agent"].department.code if r["agent"].department else "",
            r["row"].responses,
            r["row"].nps,
            r["row"].ci and r["row"].ci[0],
            r["row"].ci and r["row"].ci[1],
            r["adjusted"],
            r["gap"],
            r["champion"],
            r["thin"],
            r["interactions"],
            r["coverage"],
        )
        for r in rows
    )
    return page_response(
        request,
        "dashboard/agents.html",
        page,
        context,
        csv_name="nps-agents",
        csv_header=(
            "agent_id",
            "agent",
            "department",
            "responses",
            "nps",
            "ci_low",
            "ci_high",
            "adjusted_nps",
            "gap_vs_company",
            "champion",
            "not_enough_answers",
            "interactions",
            "answered_pct",
        ),
        csv_rows=csv_rows,
    )


def _add_trend_and_coverage(rows: list[dict], filters, *, with_trend: bool) -> None:
    """Sparkline values and survey coverage, read for the agents of `rows` only."""
    keys = [r["agent"].pk for r in rows]
    periods = queries.by_agent_and_period(filters, filters.question, agent_keys=keys) if with_trend else {}
    period_keys = sorted({p for per_agent in periods.values() for p in per_agent})
    coverage = queries.funnel_by_agent(filters, agent_keys=keys)
    for r in rows:
        funnel = coverage.get(r["agent"].pk, {})
        interactions = funnel.get("interactions") or 0
        cells = [periods.get(r["agent"].pk, {}).get(p, nps.Counts()) for p in period_keys]
        r["spark"] = [nps.nps(c) for c in cells]
        r["spark_details"] = [point_detail(p, c) for p, c in zip(period_keys, cells, strict=True)]
        r["interactions"] = interactions
        r["coverage"] = round(100 * (funnel.get("answered") or 0) / interactions, 1) if interactions else None


def my_page(request: HttpRequest) -> HttpResponse:
    """An agent's own page; staff without a linked agent go to the agents list."""
    viewer = viewer_for(request.user)
    if viewer.agent_id is None:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?next={request.path}")
        if viewer.sees_dashboards:
            return redirect("dashboard-agents")
        raise PermissionDenied("Your account is not linked to an agent.")
    query = request.GET.urlencode()
    return redirect(reverse("dashboard-agent", args=[viewer.agent_id]) + (f"?{query}" if query else ""))


@dashboard_page(allow_agents=True)
def agent_detail(request: HttpRequest, page: PageRequest, pk: int) -> HttpResponse:
    agent = Agent.objects.select_related("department").filter(pk=pk).first()
    if agent is None:
        raise Http404("No such agent.")
    if not page.viewer.can_see_agent(agent):
        raise PermissionDenied("This agent is outside your scope.")
    # The agent's own figures cover every department they worked in; the team is their current one.
    filters = replace(page.filters, department=None, department_ids=None)
    own = queries.agent_totals(filters, agent.pk)
    team_filters = replace(
        filters,
        department=agent.department,
        department_ids=frozenset({agent.department_id}) if agent.department_id else frozenset(),
    )
    team = queries.totals(team_filters)
    company = queries.company_totals(filters)
    question = filters.question
    trend = queries.trend(filters, scope=Scope.AGENT, scope_filter=Q(agent_key=agent.pk))
    histogram = _histogram(filters, agent, question)
    comparison = [
        NpsRow(key="agent", name=agent.first_name, counts=own[question]),
        NpsRow(
            key="team", name=f"Team: {agent.department.name}" if agent.department else "Team", counts=team[question]
        ),
        NpsRow(key="company", name="Company", counts=company[question]),
    ]
    comments = Response.objects.filter(agent=agent, **queries.period_bounds(filters)).exclude(why="")
    if filters.channel:
        comments = comments.filter(channel=filters.channel)
    comments = list(comments.select_related("department").order_by("-occurred_at")[:LATEST_COMMENTS])
    context = {
        "agent": agent,
        "own": {q: NpsRow(key=q, name=q, counts=own[q]) for q in queries.QUESTIONS},
        "minimum": settings.CHAMPION_MIN_RESPONSES,
        "trend": trend,
        "trend_figure": figures.trend(trend, target=agent.department.target_nps if agent.department else None),
        "histogram": histogram,
        "histogram_figure": figures.score_distribution(histogram),
        "comparison": comparison,
        "comparison_figure": figures.bars_with_intervals(
            [r.name for r in comparison],
            [r.nps for r in comparison],
            [r.ci[0] if r.ci else None for r in comparison],
            [r.ci[1] if r.ci else None for r in comparison],
            [r.responses for r in comparison],
        ),
        "comments": comments,
        "extra_questions": extra_questions.context(filters, agent_key=agent.pk, prefix="agent-extra"),
        "is_self": page.viewer.agent_id == agent.pk,
        # Rank and percentile among ranked agents (agent question, the page's period): no one else named.
        "standing": champion_analysis.fair_ranking(since=filters.since, until=filters.until).standing(agent.pk),
        "top_themes": theme_selectors.top_themes(
            theme_selectors.Scope(filters.since, filters.until, None, agent.pk, question, filters.channel)
        ),
    }
    csv_rows = [(c.occurred_at.date(), c.channel, c.company_score, c.agent_score, c.why) for c in comments]
    return page_response(
        request,
        "dashboard/agent_detail.html",
        page,
        context,
        csv_name=f"nps-agent-{agent.pk}",
        csv_header=("date", "channel", "company_score", "agent_score", "why"),
        csv_rows=csv_rows,
    )


def _histogram(filters, agent: Agent, question: str) -> list[int]:
    """One agent's score distribution: an indexed aggregate over that agent's answers."""
    qs = Response.objects.filter(agent=agent, **queries.period_bounds(filters))
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    counts = dict(qs.values_list(f"{question}_score").annotate(n=Count("id")).values_list(f"{question}_score", "n"))
    return [counts.get(score, 0) for score in range(11)]
