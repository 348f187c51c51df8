"""The Monday view's change cells, as one tag rather than an include per cell (a page has
hundreds of them)."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def change_cell(c: dict) -> str:
    """'−12 (−20 to −4)' coloured when beyond the noise, or '(…, within noise)', or 'no answers'."""
    if c["text"] == "—":
        return format_html('<span class="muted">{}</span>', gettext("no answers"))
    colour = ("down" if c["down"] else "up") if c["real"] else ""
    noise = "" if c["real"] else ", " + gettext("within noise")
    return format_html(
        '<span class="{}">{}</span> <span class="muted">({}{})</span>', colour, c["text"], c["interval"], noise
    )


@register.simple_tag
def agent_rows(rows: list[dict]) -> str:
    """The 'every agent' table's rows in one tag: up to two rows per agent of the company, each
    five cells; rendered node by node they took most of the page's time at 500 agents."""
    from analytics.templatetags.dashboard import interval, nps

    labels = {
        "agent": gettext("Agent"),
        "question": gettext("Question"),
        "week": gettext("This week"),
        "previous": gettext("vs the week before"),
        "baseline": gettext("vs the 13-week average"),
    }
    questions = {"company": gettext("company"), "agent": gettext("agent")}
    return format_html_join(
        "\n",
        '<tr><td data-label="{}">{}{}</td><td data-label="{}">{}</td>'
        '<td class="num" data-label="{}">{} <span class="muted">(n = {}{})</span></td>'
        '<td class="num" data-label="{}">{}</td><td class="num" data-label="{}">{}</td></tr>',
        (
            (
                labels["agent"],
                r["figure"].name,
                format_html(' <span class="muted">· {}</span>', r["department"]) if r["department"] else "",
                labels["question"],
                questions.get(r["figure"].question, r["figure"].question),
                labels["week"],
                nps(r["row"].nps),
                r["row"].responses,
                ", " + interval(*r["row"].ci) if r["row"].ci else "",
                labels["previous"],
                change_cell(r["previous"]),
                labels["baseline"],
                change_cell(r["baseline"]),
            )
            for r in rows
        ),
    )
