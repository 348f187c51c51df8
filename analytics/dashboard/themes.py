"""Themes: what customers write about in their why-answers, how often (with an interval),
praise against complaint, and the NPS points each theme costs, by week and department."""

from django.http import HttpRequest, HttpResponse

from agents.models import Department
from analytics.dashboard.common import PageRequest, dashboard_page, page_response
from analytics.themes import figures
from analytics.themes import selectors as themes
from analytics.themes.math import growth

TREND_THEMES = 5


def scope_of(page: PageRequest) -> themes.Scope:
    f = page.filters
    return themes.Scope(f.since, f.until, f.department_ids, None, f.question, f.channel)


def heatmap(scope: themes.Scope, rows: list[themes.ThemeRow]) -> dict | None:
    cells = themes.by_department(scope)
    if not cells:
        return None
    ids = sorted({department for department, _key in cells})
    names = dict(Department.objects.filter(pk__in=ids).values_list("pk", "name"))
    keys = [row.key for row in rows if row.mentions]
    z = [[_cell(cells.get((d, k))) for k in keys] for d in ids]
    n = [[cells[(d, k)].mentions if (d, k) in cells else 0 for k in keys] for d in ids]
    labels = {row.key: row.name for row in rows}
    return figures.department_heatmap([names[d] for d in ids], [labels[k] for k in keys], z, n)


def _cell(impact) -> float | None:
    return None if impact is None or impact.points_lost is None else round(impact.points_lost, 2)


def topic_items(scope: themes.Scope) -> list[dict]:
    topics, by_id = themes.emerging_topics(scope)
    return [
        {"topic": topic, "examples": [by_id[pk][0] for pk in topic.examples], "words": ", ".join(topic.words)}
        for topic in topics
    ]


@dashboard_page()
def themes_page(request: HttpRequest, page: PageRequest) -> HttpResponse:
    scope = scope_of(page)
    rows = themes.theme_rows(scope)
    previous = {row.key: row for row in themes.theme_rows(scope.previous())}
    mentioned = [row for row in rows if row.mentions]
    costly = sorted(mentioned, key=lambda row: -(row.impact.points_lost or 0))
    weekly = themes.weekly_shares(scope)
    top = sorted(mentioned, key=lambda row: -row.mentions)[:TREND_THEMES]
    items = []
    for row in sorted(rows, key=lambda row: (-(row.impact.points_lost or 0), -row.mentions, row.key)):
        before = previous.get(row.key)
        change = None
        if before:
            change = growth(row.mentions, before.mentions, row.impact.commented, before.impact.commented)
        items.append({"row": row, "growth": change})
    comments_query = page.filters.query()
    context = {
        "has_data": bool(rows) and rows[0].impact.commented > 0,
        "rows": items,
        "comments": rows[0].impact.commented if rows else 0,
        "comments_query": comments_query,
        "cost_figure": figures.points_lost(
            [row.name for row in costly],
            [row.impact.points_lost for row in costly],
            [row.impact.points_lost_ci[0] for row in costly],
            [row.impact.points_lost_ci[1] for row in costly],
        )
        if costly
        else None,
        "trend_figure": figures.share_trend({row.name: weekly[row.key] for row in top if row.key in weekly})
        if top
        else None,
        "heatmap_figure": heatmap(scope, rows),
        "topics": topic_items(scope),
    }
    header = (
        "theme",
        "name",
        "mentions",
        "comments",
        "share",
        "share_ci_low",
        "share_ci_high",
        "praise",
        "complaints",
        "nps_with",
        "nps_without",
        "points_lost",
        "points_lost_ci_low",
        "points_lost_ci_high",
    )
    csv_rows = []
    for row in rows:
        d = row.as_dict()
        csv_rows.append((d["key"], d["name"], d["mentions"], d["comments"], *(d[h] for h in header[4:])))
    return page_response(
        request, "dashboard/themes.html", page, context, csv_name="nps-themes", csv_header=header, csv_rows=csv_rows
    )
