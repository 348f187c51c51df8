"""Overview: company and agent NPS over time, the score distribution, the survey funnel
and NPS by channel, for the viewer's departments."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from analytics import figures, nps
from analytics.dashboard import extra_questions, queries
from analytics.dashboard.common import Filters, PageRequest, dashboard_page, page_response
from analytics.selectors import NpsRow


def scope_name(filters: Filters) -> str:
    """Whose answers the page's figures count, said on every tile: a supervisor's "Company
    question" tile is about their departments, not the whole company."""
    if filters.department is not None:
        return filters.department.name
    return "whole company" if filters.department_ids is None else "your departments"


def headline(question: str, current: nps.Counts, previous: nps.Counts, *, scope: str = "") -> dict:
    row = NpsRow(key=question, name=question, counts=current)
    before = nps.nps(previous)
    change = None if row.nps is None or before is None else round(row.nps - before, 1)
    # A change whose adjusted-Wald interval includes 0 is within the noise: not news.
    bounds = nps.change_interval(current, previous)
    return {
        "question": question,
        "label": f"{question.title()} question — {scope}" if scope else f"{question.title()} NPS",
        "row": row,
        "change": change,
        "change_low": None if bounds is None else round(bounds[0], 1),
        "change_high": None if bounds is None else round(bounds[1], 1),
        "previous_n": previous.responses,
        "significant": change is not None and nps.change_is_real(current, previous),
    }


# Why an interaction was not surveyed, in the order a supervisor asks about them.
NOT_SURVEYED_LABELS = {
    "fatigue": "Customer surveyed recently (fatigue)",
    "sample_reached": "Agent's monthly sample reached",
    "not_requested": "Not requested (recorded without an invitation)",
    "too_old": "Too old to invite when reported",
    "channel_disabled": "Channel not surveyed",
    "survey_inactive": "Survey inactive",
}


# The same, short enough for the chart's axis on a phone.
NOT_SURVEYED_SHORT = {
    "fatigue": "Surveyed recently",
    "sample_reached": "Sample reached",
    "not_requested": "Not requested",
    "too_old": "Too old",
    "channel_disabled": "Channel off",
    "survey_inactive": "Survey inactive",
}


def not_surveyed_reasons(funnel: dict[str, int]) -> list[tuple[str, int]]:
    """(label, count) per reason; rows stored without a known reason show as "Other"."""
    rows = [(label, funnel[reason]) for reason, label in NOT_SURVEYED_LABELS.items()]
    other = funnel["suppressed"] - sum(count for _, count in rows)
    return rows + ([("Other", other)] if other > 0 else [])


def not_surveyed_counts(funnel: dict[str, int]) -> list[tuple[str, int]]:
    """(reason, count), the stored reasons and "other"."""
    rows = [(reason, funnel[reason]) for reason in NOT_SURVEYED_LABELS]
    return [*rows, ("other", funnel["suppressed"] - sum(count for _, count in rows))]


def reasons_figure(funnel: dict[str, int]) -> dict | None:
    """A bar per reason with at least one interaction not surveyed (None if there is none)."""
    rows = [(NOT_SURVEYED_SHORT.get(reason, "Other"), c) for reason, c in not_surveyed_counts(funnel) if c > 0]
    if not rows:
        return None
    return figures.counts_by_reason([label for label, _ in rows], [count for _, count in rows])


def funnel_stages(funnel: dict[str, int]) -> list[figures.FunnelStage]:
    """Interactions → invited → delivered (and the failed ones beside) → opened → answered."""
    return [
        figures.FunnelStage("Interactions", funnel["interactions"]),
        figures.FunnelStage("Invited", funnel["invited"]),
        figures.FunnelStage("Delivered", funnel["delivered"]),
        figures.FunnelStage("Delivery failed", funnel["failed"], lost=True),
        figures.FunnelStage("Opened", funnel["opened"]),
        figures.FunnelStage("Answered", funnel["answered"]),
    ]


@dashboard_page()
def overview(request: HttpRequest, page: PageRequest) -> HttpResponse:
    filters = page.filters
    current, previous = queries.totals(filters), queries.totals(filters.previous())
    trend = queries.trend(filters)
    target = filters.department.target_nps if filters.department else settings.COMPANY_TARGET_NPS
    funnel = queries.funnel(filters)
    channels = queries.by_channel(filters, filters.question)
    histogram = queries.score_histogram(filters, filters.question)
    has_data = any(c.responses for c in current.values())
    not_surveyed = not_surveyed_reasons(funnel)
    context = {
        "has_data": has_data,
        "tiles": [headline(q, current[q], previous[q], scope=scope_name(filters)) for q in ("agent", "company")],
        "gap": None
        if current["agent"].responses == 0
        else round(nps.nps(current["agent"]) - nps.nps(current["company"]), 1),
        "trend": trend,
        "trend_figure": figures.trend(trend, target=target),
        "target": target,
        "histogram": histogram,
        "histogram_figure": figures.score_distribution(histogram),
        "funnel": funnel,
        # Not surveyed, by why: never counted as invited (the funnel's second stage).
        "not_surveyed": not_surveyed,
        "not_surveyed_why": [(label, count) for label, count in not_surveyed if count],
        "response_rate": round(100 * funnel["answered"] / funnel["invited"], 1) if funnel["invited"] else None,
        "funnel_stages": funnel_stages(funnel),
        "funnel_figure": figures.funnel(funnel_stages(funnel)),
        "reasons_figure": reasons_figure(funnel),
        "channels": channels,
        "extra_questions": extra_questions.context(filters),
        "channel_figure": figures.bars_with_intervals(
            [r.name for r in channels],
            [r.nps for r in channels],
            [r.ci[0] if r.ci else None for r in channels],
            [r.ci[1] if r.ci else None for r in channels],
            [r.responses for r in channels],
            horizontal=False,
        ),
    }
    csv_rows = [
        (point.period, question, point.responses, point.nps, point.ci_low, point.ci_high)
        for question, points in trend.items()
        for point in points
    ]
    return page_response(
        request,
        "dashboard/overview.html",
        page,
        context,
        csv_name="nps-overview",
        csv_header=("period_start", "question", "responses", "nps", "ci_low", "ci_high"),
        csv_rows=csv_rows,
    )
