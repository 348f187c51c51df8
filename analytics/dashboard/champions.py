"""Champions: the company's top agents on the agent question, how they spread over the
departments (and how surprising that is), and the plan to spread them when one department
holds too many.

The analysis is company-wide by nature: concentration compares departments. It comes from
the latest beat snapshot when the page asks for the default period, otherwise it is
computed from the buckets for the chosen dates. Supervisors see every department's counts
(aggregates, the benchmark) but only their own agents by name, and only the plan items
that move or pair someone in their departments.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from agents.models import Agent
from analytics import champions as analysis_module
from analytics import figures, plan_tracking
from analytics.dashboard.common import PageRequest, dashboard_page, page_response
from analytics.models import ChampionSnapshot, PlanAction

SNAPSHOT_MAX_AGE = timedelta(hours=2)


def fresh_snapshot(request: HttpRequest) -> ChampionSnapshot | None:
    """The latest beat snapshot when the page shows the default period and it is fresh."""
    if request.GET.get("since") or request.GET.get("until"):
        return None
    snapshot = ChampionSnapshot.objects.order_by("-computed_at").first()
    if (
        snapshot is not None
        and snapshot.until == timezone.localdate()
        and snapshot.min_responses == settings.CHAMPION_MIN_RESPONSES
        and snapshot.top_n == settings.CHAMPION_TOP_N
        and timezone.now() - snapshot.computed_at <= SNAPSHOT_MAX_AGE
    ):
        return snapshot
    return None


def champion_analysis(request: HttpRequest, page: PageRequest) -> tuple[dict, ChampionSnapshot | None]:
    """The analysis for the page's period: the fresh snapshot when it covers exactly that, else live."""
    filters = page.filters
    snapshot = fresh_snapshot(request)
    if snapshot is not None:
        return snapshot.data, snapshot
    live = analysis_module.analyse(since=filters.since, until=filters.until)
    return live.as_dict(), None


def concentration_figure(concentration: list[dict]) -> dict:
    """Champions per department next to the count chance alone would give."""
    names = [d["name"] for d in concentration]
    data = [
        {
            "type": "bar",
            "name": "Champions in the top N",
            "x": names,
            "y": [d["champions"] for d in concentration],
            "marker": {"color": figures.COLOURS["promoter"]},
            "hovertemplate": "%{x}: %{y} champions<extra></extra>",
        },
        {
            "type": "bar",
            "name": "Expected by share of ranked agents",
            "x": names,
            "y": [d["expected_champions"] for d in concentration],
            "marker": {"color": figures.COLOURS["passive"]},
            "hovertemplate": "%{x}: %{y:.1f} expected<extra></extra>",
        },
    ]
    # Department names are long and many: tilted labels with room below them, and the
    # legend above the plot so it never collides with the labels.
    layout = figures.base_layout(
        barmode="group",
        hovermode="closest",
        yaxis={
            "title": {"text": "Agents in the top N"},
            "rangemode": "tozero",
            "gridcolor": "#e5e7eb",
            "automargin": True,
        },
        xaxis={"automargin": True, "tickangle": -30 if len(names) > 3 else 0},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        margin={"l": 56, "r": 16, "t": 48, "b": 16},
    )
    return {"data": data, "layout": layout, "config": figures.CONFIG}


def ranking_figure(top: list[dict]) -> dict:
    """The top N with their adjusted NPS and the raw 95 % interval, coloured by department."""
    departments = sorted({r["department_name"] for r in top})
    # One colour per department: no orange-red, which means "costs points" on every chart.
    palette = ["#1d4ed8", "#0e7490", "#0f766e", "#6d28d9", "#b45309", "#be185d", "#4d7c0f", "#374151"]
    data = []
    for i, department in enumerate(departments):
        rows = [r for r in top if r["department_name"] == department]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": department,
                "y": [f"#{r['rank']} {r['name']}" for r in rows],
                "x": [r["shrunk_nps"] for r in rows],
                "customdata": [[r["nps"], r["n"]] for r in rows],
                "marker": {"size": 10, "color": palette[i % len(palette)]},
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": [(r["ci_high"] or 0) - (r["shrunk_nps"] or 0) for r in rows],
                    "arrayminus": [(r["shrunk_nps"] or 0) - (r["ci_low"] or 0) for r in rows],
                    "color": "#9ca3af",
                },
                "hovertemplate": "%{y}: adjusted %{x:.1f}, raw NPS %{customdata[0]:.1f} "
                "(n=%{customdata[1]})<extra>" + department + "</extra>",
            }
        )
    layout = figures.base_layout(
        hovermode="closest",
        xaxis={"range": [-100, 100], "title": {"text": "Agent NPS (adjusted; bar = raw 95 % interval)"}},
        yaxis={
            "automargin": True,
            "autorange": "reversed",
            "categoryorder": "array",
            "categoryarray": [f"#{r['rank']} {r['name']}" for r in top],
        },
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        margin={"l": 16, "r": 16, "t": 40, "b": 48},
        height=max(320, 26 * len(top) + 140),
    )
    return {"data": data, "layout": layout, "config": figures.CONFIG}


def champions_context(request: HttpRequest, page: PageRequest) -> tuple[dict, list[tuple]]:
    """The page's context and its CSV rows (also rendered again, with an error, when an
    accept or stop is refused)."""
    data, snapshot = champion_analysis(request, page)
    # Each item's identity and whether this viewer may accept it come from the full plan (the
    # visible one hides other departments' agents); a key is only given where it is acceptable.
    tracked_champions = set(
        PlanAction.objects.filter(status=PlanAction.Status.TRACKING).values_list("champion__external_id", flat=True)
    )
    data = {**data, "plan": [{**item, **_acceptance(item, page, tracked_champions)} for item in data["plan"]]}
    filters = page.filters
    if filters.department is not None:
        codes: set[str] | None = {filters.department.code}
    elif page.viewer.is_admin:
        codes = None
    else:
        codes = set(page.viewer.visible_departments().values_list("code", flat=True))

    top_n = data["parameters"]["top_n"]
    top = data["ranking"][:top_n]
    plan_total = len(data["plan"])
    data = analysis_module.visible_to(data, codes)
    ranking, not_enough, plan = data["ranking"], data["not_enough_answers"], data["plan"]
    keys = {r["key"] for r in ranking} | {r["key"] for r in not_enough}
    keys |= {item["champion"]["key"] for item in plan} | {p["key"] for item in plan for p in item["paired"]}
    agent_pks = dict(Agent.objects.filter(external_id__in=keys).values_list("external_id", "pk"))

    def linked(row: dict) -> dict:
        return {**row, "pk": agent_pks.get(row["key"])}

    ranking = [linked(r) for r in ranking]
    not_enough = [linked(r) for r in not_enough]
    plan = [
        {**item, "champion": linked(item["champion"]), "paired": [linked(p) for p in item["paired"]]} for item in plan
    ]
    today = timezone.localdate()
    start_min, start_max = plan_tracking.start_bounds(today)
    visible_top = [r for r in ranking if r["champion"]]

    context = {
        "data": data,
        "snapshot": snapshot,
        "top_n": top_n,
        "ranking": ranking,
        "visible_top": visible_top,
        "plan": plan,
        "not_enough": not_enough,
        "has_data": bool(top),
        "plan_total": plan_total,
        "concentration_figure": concentration_figure(data["concentration"]),
        # Supervisors see the top N's names only for their own departments.
        "ranking_figure": ranking_figure(top if codes is None else visible_top),
        "period_since": data["period"]["since"],
        "period_until": data["period"]["until"],
        "tracked": [
            {**t, "can_act": plan_tracking.may_act(page.viewer, set(t["departments"]))}
            for t in plan_tracking.tracked(viewer=page.viewer, today=today)
        ],
        "today": today,
        "start_min": start_min,
        "start_max": start_max,
        "period_query": period_query(request),
    }
    csv_rows = [
        (
            r["rank"],
            r["key"],
            r["name"],
            r["department"],
            r["n"],
            r["nps"],
            r["ci_low"],
            r["ci_high"],
            r["shrunk_nps"],
            "yes" if r["champion"] else "",
        )
        for r in ranking
    ]
    return context, csv_rows


def _acceptance(item: dict, page: PageRequest, tracked_champions: set[str]) -> dict:
    codes = plan_tracking.item_departments(item)
    acceptable = plan_tracking.may_act(page.viewer, codes)
    return {
        "accept_key": plan_tracking.item_key(item) if acceptable else "",
        "already_tracked": acceptable and item["champion"]["key"] in tracked_champions,
    }


def period_query(request: HttpRequest) -> str:
    """The page's own period in the query string (none: the default period and its snapshot),
    so an accept works on exactly the plan the page showed."""
    return urlencode({k: request.GET[k] for k in ("since", "until") if request.GET.get(k)})


@dashboard_page()
def champions(request: HttpRequest, page: PageRequest) -> HttpResponse:
    context, csv_rows = champions_context(request, page)
    return _render(request, page, context, csv_rows)


def _render(request: HttpRequest, page: PageRequest, context: dict, csv_rows, *, status: int = 200) -> HttpResponse:
    return page_response(
        request,
        "dashboard/champions.html",
        page,
        context,
        status=status,
        csv_name="nps-champions",
        csv_header=(
            "rank",
            "agent",
            "name",
            "department",
            "responses",
            "nps",
            "ci_low",
            "ci_high",
            "adjusted_nps",
            "champion",
        ),
        csv_rows=csv_rows,
    )


# --- Accepting and tracking plan items ---------------------------------------------------------


class AcceptForm(forms.Form):
    item = forms.CharField(max_length=1000)
    start = forms.DateField(required=False)


def _refused(request: HttpRequest, page: PageRequest, message: str, status: int) -> HttpResponse:
    """The champions page again, the refusal on top, with a 4xx status; nothing was stored."""
    context, csv_rows = champions_context(request, page)
    return _render(request, page, {**context, "action_error": message}, csv_rows, status=status)


def _back(request: HttpRequest) -> HttpResponse:
    query = period_query(request)
    return redirect(f"{reverse('dashboard-champions')}{'?' + query if query else ''}#tracked")


@require_POST
@dashboard_page(allow_agents=True)
def accept_plan_item(request: HttpRequest, page: PageRequest) -> HttpResponse:
    """Accept one item of the plan the page shows, from a start date (default today)."""
    if not page.viewer.sees_dashboards:
        raise PermissionDenied(pgettext("champion plan", "Only admins and supervisors act on the champion plan."))
    form = AcceptForm(request.POST)
    if not form.is_valid():
        return _refused(request, page, pgettext("champion plan", "Choose a plan item and a valid start date."), 400)
    data, _snapshot = champion_analysis(request, page)
    start = form.cleaned_data["start"] or timezone.localdate()
    try:
        action = plan_tracking.accept(
            plan=data["plan"],
            key=form.cleaned_data["item"],
            start=start,
            viewer=page.viewer,
            by=request.user,
            request=request,
        )
    except plan_tracking.PlanActionRefused as refused:
        return _refused(request, page, str(refused), refused.status)
    messages.success(request, pgettext("champion plan", "Accepted and tracked: %(item)s.") % {"item": action})
    return _back(request)


@require_POST
@dashboard_page(allow_agents=True)
def stop_plan_item(request: HttpRequest, page: PageRequest, pk: int) -> HttpResponse:
    """Stop tracking an accepted item, or undo one that has not started (action=undo)."""
    if not page.viewer.sees_dashboards:
        raise PermissionDenied(pgettext("champion plan", "Only admins and supervisors act on the champion plan."))
    action = get_object_or_404(PlanAction, pk=pk)
    undo = request.POST.get("action") == "undo"
    try:
        plan_tracking.stop(action=action, undo=undo, viewer=page.viewer, by=request.user, request=request)
    except plan_tracking.PlanActionRefused as refused:
        return _refused(request, page, str(refused), refused.status)
    messages.success(
        request,
        pgettext("champion plan", "Undone: %(item)s.") % {"item": action}
        if undo
        else pgettext("champion plan", "Tracking stopped."),
    )
    return _back(request)
