"""Overview: company and agent NPS over time, the score distribution, the survey funnel
and NPS by channel, for the viewer's departments."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from analytics import figures, nps
from analytics.dashboard import queries
from analytics.dashboard.common import PageRequest, dashboard_page, page_response
from analytics.selectors import NpsRow


def headline(question: str, current: nps.Counts, previous: nps.Counts) -> dict:
    row = NpsRow(key=question, name=question, counts=current)
    before = nps.nps(previous)
    change = None if row.nps is None or before is None else round(row.nps - before, 1)
    # A change whose adjusted-Wald interval includes 0 is within the noise: not news.
    bounds = nps.change_interval(current, previous)
    return {
        "question": question,
        "row": row,
        "change": change,
        "change_low": None if bounds is None else round(bounds[0], 1),
        "change_high": None if bounds is None else round(bounds[1], 1),
        "previous_n": previous.responses,
        "significant": change is not None and nps.change_is_real(current, previous),
    }


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
    not_surveyed = [
        ("Not requested (recorded without an invitation)", funnel["not_requested"]),
        ("Too old to invite when reported", funnel["too_old"]),
        (
            "Sampling rules (fatigue, sample reached, channel off, survey inactive)",
            funnel["suppressed"] - funnel["not_requested"] - funnel["too_old"],
        ),
    ]
    context = {
        "has_data": has_data,
        "tiles": [headline(q, current[q], previous[q]) for q in ("agent", "company")],
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
        "funnel_figure": figures.funnel(
            [
                ("Interactions", funnel["interactions"]),
                ("Invited", funnel["invited"]),
                ("Opened", funnel["opened"]),
                ("Answered", funnel["answered"]),
            ]
        ),
        "channels": channels,
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
