"""The Monday view's change cells, as one tag rather than an include per cell (a page has
hundreds of them)."""

from django import template
from django.utils.html import format_html
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
