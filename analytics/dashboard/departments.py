"""Departments: NPS per department with intervals, a department × period heatmap, the
company-vs-agent gap and how each department stands against its target."""

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from analytics import figures, nps
from analytics.dashboard import queries
from analytics.dashboard.common import PageRequest, dashboard_page, page_response
from analytics.selectors import NpsRow


def target_status(row: NpsRow, target: int | None) -> str:
    """Met or missed, and whether the interval makes it clear."""
    if target is None or row.nps is None:
        return "no target" if target is None else "no answers"
    low, high = row.ci
    if low >= target:
        return "met"
    if high < target:
        return "missed"
    return "within reach" if row.nps < target else "met, not yet certain"


@dashboard_page()
def departments(request: HttpRequest, page: PageRequest) -> HttpResponse:
    filters = page.filters
    departments = list(page.viewer.visible_departments())
    if filters.department is not None:
        departments = [filters.department]
    counts = queries.by_department(filters)
    rows = []
    for department in departments:
        both = counts.get(department.pk, {q: nps.Counts() for q in queries.QUESTIONS})
        agent_row = NpsRow(key=department.code, name=department.name, counts=both["agent"])
        company_row = NpsRow(key=department.code, name=department.name, counts=both["company"])
        selected = agent_row if filters.question == "agent" else company_row
        gap = None if agent_row.nps is None else round(agent_row.nps - company_row.nps, 1)
        rows.append(
            {
                "department": department,
                "link": reverse("dashboard-agents") + "?" + filters.query(department=department.code),
                "agent": agent_row,
                "company": company_row,
                "selected": selected,
                "gap": gap,
                "target": department.target_nps,
                "status": target_status(selected, department.target_nps),
            }
        )
    rows.sort(key=lambda r: (r["selected"].nps is None, -(r["selected"].nps or 0)))
    with_data = [r for r in rows if r["selected"].responses]

    periods = queries.by_department_and_period(filters, filters.question)
    period_keys = sorted({p for _d, p in periods})
    heat_rows = [r for r in with_data]
    cells = [[periods.get((r["department"].pk, p), nps.Counts()) for p in period_keys] for r in heat_rows]
    heat_z = [[nps.nps(c) for c in row] for row in cells]
    heat_n = [[c.responses for c in row] for row in cells]
    heat_ci = [[nps.interval(c) for c in row] for row in cells]
    today = timezone.localdate()

    context = {
        "rows": rows,
        "has_data": bool(with_data),
        "bars": figures.bars_with_intervals(
            [r["department"].name for r in with_data],
            [r["selected"].nps for r in with_data],
            [r["selected"].ci[0] for r in with_data],
            [r["selected"].ci[1] for r in with_data],
            [r["selected"].responses for r in with_data],
        ),
        "heatmap": figures.heatmap(
            period_keys,
            [r["department"].name for r in heat_rows],
            heat_z,
            heat_n,
            heat_ci,
            partial=[queries.partial_period(date.fromisoformat(p), filters, today=today) for p in period_keys],
        ),
        "gap_figure": figures.bars_with_intervals(
            [r["department"].name for r in with_data],
            [r["gap"] for r in with_data],
            [None] * len(with_data),
            [None] * len(with_data),
            [r["agent"].responses for r in with_data],
        ),
    }
    csv_rows = [
        (
            r["department"].code,
            r["department"].name,
            r["selected"].responses,
            r["agent"].nps,
            r["agent"].ci and r["agent"].ci[0],
            r["agent"].ci and r["agent"].ci[1],
            r["company"].nps,
            r["company"].ci and r["company"].ci[0],
            r["company"].ci and r["company"].ci[1],
            r["gap"],
            r["target"],
            r["status"],
        )
        for r in rows
    ]
    return page_response(
        request,
        "dashboard/departments.html",
        page,
        context,
        csv_name="nps-departments",
        csv_header=(
            "code",
            "department",
            "responses",
            "agent_nps",
            "agent_ci_low",
            "agent_ci_high",
            "company_nps",
            "company_ci_low",
            "company_ci_high",
            "gap",
            "target",
            "target_status",
        ),
        csv_rows=csv_rows,
    )
