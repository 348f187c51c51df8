"""Follow-up tiles that analytics' pages show without analytics importing followups.

Data flows agents ← surveys ← analytics ← followups, so the overview (an analytics page)
cannot ask followups for its open-case count; its template loads this library instead and
the tile fetches its own figures (one aggregate query, through followups.services).
"""

from django import template

from followups import services

register = template.Library()


@register.inclusion_tag("dashboard/_case_tile.html")
def open_cases_tile(filters) -> dict:
    """The overview's "Open follow-up cases" tile for the page's department filter."""
    return {"cases": services.case_counts(filters.department_ids), "filters": filters}
