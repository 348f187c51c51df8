"""Template helpers for the dashboards: figures as JSON data blocks, NPS formatting,
and small server-drawn SVG sparklines (no script needed)."""

from collections.abc import Sequence

from django import template
from django.utils.html import format_html, format_html_join, json_script

from analytics.champions import odds
from analytics.nps import Counts
from analytics.nps import interval as interval_of
from analytics.nps import nps as nps_of

register = template.Library()


@register.simple_tag
def plot(figure: dict, element_id: str, label: str, size: str = "normal"):
    """A plot container plus its figure as a JSON data block, drawn by dashboard.js.

    `label` describes the chart for screen readers; pages also show the numbers as text.
    `size` is a CSS modifier: small, normal or tall.
    """
    return format_html(
        '<div class="plot plot-{}" id="{}" data-figure="{}-data" role="img" aria-label="{}"></div>{}',
        size,
        element_id,
        element_id,
        label,
        json_script(figure, f"{element_id}-data"),
    )


@register.filter
def nps(value: float | None) -> str:
    """+42.0 / −7.5 / — (no answers)."""
    if value is None:
        return "—"
    if round(value, 1) == 0:
        return "0.0"
    return f"{value:+.1f}".replace("-", "−")


@register.simple_tag
def interval(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return ""
    return f"{round(low) + 0:.0f} to {round(high) + 0:.0f}".replace("-", "−")


@register.simple_tag
def sparkline(values: Sequence[float | None], label: str = "NPS trend", details: Sequence[str] | None = None):
    """A 120×32 SVG line of NPS values (−100…100); gaps where there were no answers.

    `details`, one per value, become hover titles on the points (period, n and interval).
    """
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(points) < 2:
        return format_html('<span class="spark-empty">{}</span>', "not enough data")
    step = 120 / max(len(values) - 1, 1)
    coords = " ".join(f"{i * step:.1f},{16 - v * 0.15:.1f}" for i, v in points)
    dots = ""
    if details is not None:
        dots = format_html_join(
            "",
            '<circle cx="{}" cy="{}" r="3" class="spark-dot"><title>{}</title></circle>',
            ((f"{i * step:.1f}", f"{16 - v * 0.15:.1f}", details[i]) for i, v in points),
        )
    return format_html(
        '<svg class="spark" width="120" height="32" viewBox="0 0 120 32" role="img" aria-label="{}">'
        '<line x1="0" y1="16" x2="120" y2="16" class="spark-zero"></line>'
        '<polyline points="{}" class="spark-line"></polyline>{}</svg>',
        label,
        coords,
        dots,
    )


def point_detail(period: str, counts: Counts) -> str:
    """ "2026-11-02: NPS +20.0 (n = 5, 95 % −30 to 60)" for a sparkline point's hover title."""
    bounds = interval_of(counts)
    spread = "" if bounds is None else f", 95 % {interval(*bounds)}"
    return f"{period}: NPS {nps(nps_of(counts))} (n = {counts.responses}{spread})"


@register.filter
def probability(p: float | None) -> str:
    """A tail probability in words: '38 %', '1 in 4,600'."""
    return "—" if p is None else odds(p)


@register.simple_tag
def percent(share: float | None) -> str:
    """0.334 -> "33 %" (shares of comments); — when unknown."""
    return "—" if share is None else f"{100 * share:.0f} %"


@register.simple_tag
def points(value: float | None) -> str:
    """NPS points with a sign and a true minus: +2.3 / −0.8 / —."""
    if value is None:
        return "—"
    if round(value, 1) == 0:
        return "0.0"
    return f"{value:+.1f}".replace("-", "−")
