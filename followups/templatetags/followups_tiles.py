"""Follow-up tiles that analytics' pages show without analytics importing followups.

Data flows agents ← surveys ← analytics ← followups, so the overview (an analytics page)
cannot ask followups for its open-case count; its template loads this library instead and
the tile fetches its own figures (one aggregate query, through followups.services).
"""

from datetime import date, timedelta

from django import template

from analytics.buckets import day_start
from followups import services

register = template.Library()


@register.inclusion_tag("dashboard/_case_tile.html")
def open_cases_tile(filters) -> dict:
    """The overview's "Open follow-up cases" tile for the page's department filter."""
    return {"cases": services.case_counts(filters.department_ids), "filters": filters}


@register.inclusion_tag("dashboard/_week_cases.html")
def week_cases(filters, since: date, until: date) -> dict:
    """The Monday view's cases: of the week's answers [since, until] (local days) and overdue now."""
    cases = services.week_cases(
        since=day_start(since), until=day_start(until + timedelta(days=1)), department_ids=filters.department_ids
    )
    return {"cases": cases, "filters": filters}
