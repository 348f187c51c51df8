"""The rows of the agents table as HTML, built in Python: an admin's table holds every
agent (hundreds of rows, eleven cells each), which the template engine renders about ten
times slower than format_html does. The markup is the same the template would write."""

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from analytics.templatetags.dashboard import interval, nps, sparkline


def _sort_key(value: float | None) -> str:
    return "" if value is None else str(value)


def agent_row(r: dict, *, query: str, with_gap: bool, list_url: str) -> SafeString:
    """One row; `list_url` is the agents list's URL, which each agent's page extends."""
    agent, row = r["agent"], r["row"]
    ci = row.ci
    notes = []
    if r["champion"]:
        notes.append('<span class="badge champion">champion</span>')
    if r["thin"]:
        notes.append('<span class="badge thin">not enough answers yet</span>')
    gap_cell = '<td class="num" data-label="Agent − company" data-sort="{}">{}</td>'
    gap = format_html(gap_cell, _sort_key(r["gap"]), nps(r["gap"])) if with_gap else ""
    coverage = "—" if r["coverage"] is None else f"{r['coverage']} %"
    return format_html(
        "<tr>"
        '<td><a href="{}{}/?{}">{}</a></td>'
        '<td data-label="Department">{}</td>'
        '<td class="num" data-label="Answers">{}</td>'
        '<td class="num" data-label="NPS" data-sort="{}">{}</td>'
        '<td class="num" data-label="95 % interval" data-sort="{}">{}</td>'
        '<td class="num" data-label="Adjusted NPS" data-sort="{}">{}</td>'
        '<td data-label="Trend">{}</td>'
        "{}"
        '<td class="num" data-label="Interactions">{}</td>'
        '<td class="num" data-label="Answered" data-sort="{}">{}</td>'
        '<td data-label="Notes">{}</td>'
        "</tr>",
        list_url,
        agent.pk,
        query,
        str(agent),
        agent.department.name if agent.department else "—",
        row.responses,
        _sort_key(row.nps),
        nps(row.nps),
        _sort_key(ci[0] if ci else None),
        interval(ci[0], ci[1]) if ci else "",
        _sort_key(r["adjusted"]),
        nps(r["adjusted"]),
        sparkline(r["spark"], f"NPS trend of {agent.name}", r.get("spark_details")),
        gap,
        r["interactions"],
        _sort_key(r["coverage"]),
        coverage,
        mark_safe(" ".join(notes)),  # noqa: S308 - constant markup
    )
