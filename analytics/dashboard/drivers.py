"""Drivers ("NPS killers"): NPS by handle-time band, transfers, resolution, tag and
channel, each group with n and interval, ranked by the NPS points it costs.

Cost of a group = its share of answers × (NPS of everyone else − NPS of the group): the
points the overall NPS would gain if that group did as well as the rest.
"""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

from analytics import breakdowns, figures, nps
from analytics.dashboard import queries
from analytics.dashboard.common import PageRequest, dashboard_page, page_response
from analytics.selectors import NpsRow
from analytics.themes import selectors as theme_selectors

TITLES = {
    "handle_time": "Handle time",
    "transfers": "Transfers",
    "resolved": "Resolved on contact",
    "tag": "Tag",
    "channel": "Channel",
    "theme": "Theme in the why-text",
}
MIN_GROUP = 10  # groups smaller than this are shown but not called killers


@dataclass(frozen=True)
class DriverRow:
    dimension: str
    value: str
    row: NpsRow
    cost: float | None
    cost_ci: tuple[float, float] | None = None

    @property
    def title(self) -> str:
        return TITLES[self.dimension]

    @property
    def cost_label(self) -> str:
        """Points lost, or that the group scores at or above the rest."""
        if self.cost is None:
            return "—"
        return f"{self.cost:.1f}" if self.cost > 0 else "none (at or above the rest)"


def _rest(group: nps.Counts, total: nps.Counts) -> nps.Counts:
    return nps.Counts(
        total.promoters - group.promoters, total.passives - group.passives, total.detractors - group.detractors
    )


def cost(group: nps.Counts, total: nps.Counts) -> float | None:
    rest = _rest(group, total)
    if group.responses == 0 or rest.responses <= 0 or total.responses == 0:
        return None
    return round(group.responses / total.responses * (nps.nps(rest) - nps.nps(group)), 2)


def cost_interval(group: nps.Counts, total: nps.Counts) -> tuple[float, float] | None:
    """95 % interval of the points lost: the group's share × the adjusted-Wald interval of
    (rest − group), two independent samples."""
    rest = _rest(group, total)
    if group.responses == 0 or rest.responses <= 0:
        return None
    gap = nps.change_interval(rest, group)
    share = group.responses / total.responses
    return round(share * gap[0], 2), round(share * gap[1], 2)


def order(dimension: str, values: list[str]) -> list[str]:
    known = breakdowns.DIMENSIONS.get(dimension)
    if known:
        return [v for v in known if v in values] + sorted(v for v in values if v not in known)
    return sorted(values)


def theme_rows(filters, question: str) -> list[DriverRow]:
    """Themes beside the other drivers: the NPS of the answers that mention each one and the
    points it costs (analytics.themes.math), mentioned themes only, costliest first."""
    scope = theme_selectors.Scope(filters.since, filters.until, filters.department_ids, None, question, filters.channel)
    rows = [
        DriverRow("theme", r.name, NpsRow(key=r.key, name=r.name, counts=r.counts), _rounded(r.impact.points_lost))
        for r in theme_selectors.theme_rows(scope)
        if r.mentions
    ]
    rows.sort(key=lambda r: -(r.cost or 0))
    return rows


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@dashboard_page()
def drivers(request: HttpRequest, page: PageRequest) -> HttpResponse:
    filters = page.filters
    question = filters.question
    total = queries.totals(filters)[question]
    groups = queries.drivers(filters, question)
    groups["channel"] = {r.key: r.counts for r in queries.by_channel(filters, question)}
    sections = []
    killers = []
    for dimension, title in TITLES.items():
        if dimension == "theme":
            continue
        values = groups.get(dimension, {})
        rows = [
            DriverRow(
                dimension,
                value,
                NpsRow(key=value, name=value, counts=values[value]),
                cost(values[value], total),
                cost_interval(values[value], total),
            )
            for value in order(dimension, list(values))
        ]
        if dimension == "tag":
            rows.sort(key=lambda r: -(r.cost or 0))
        killers += [
            r
            for r in rows
            if r.cost is not None and r.cost > 0 and r.row.responses >= MIN_GROUP and r.value != "unknown"
        ]
        sections.append(
            {
                "dimension": dimension,
                "title": title,
                "rows": rows,
                "figure": figures.bars_with_intervals(
                    [r.value for r in rows],
                    [r.row.nps for r in rows],
                    [r.row.ci[0] if r.row.ci else None for r in rows],
                    [r.row.ci[1] if r.row.ci else None for r in rows],
                    [r.row.responses for r in rows],
                ),
            }
        )
    themes = theme_rows(filters, question)
    killers += [r for r in themes if r.cost is not None and r.cost > 0 and r.row.responses >= MIN_GROUP]
    sections.append(
        {
            "dimension": "theme",
            "title": TITLES["theme"],
            "rows": themes,
            "figure": figures.bars_with_intervals(
                [r.value for r in themes],
                [r.row.nps for r in themes],
                [r.row.ci[0] if r.row.ci else None for r in themes],
                [r.row.ci[1] if r.row.ci else None for r in themes],
                [r.row.responses for r in themes],
            ),
        }
    )
    killers.sort(key=lambda r: -r.cost)
    killers = killers[:10]
    context = {
        "total": NpsRow(key="all", name="All answers", counts=total),
        "sections": sections,
        "killers": killers,
        "killer_figure": figures.bars_with_intervals(
            [f"{TITLES[r.dimension]}: {r.value}" for r in killers],
            [r.cost for r in killers],
            [r.cost_ci[0] for r in killers],
            [r.cost_ci[1] for r in killers],
            [r.row.responses for r in killers],
            costs=True,
        ),
        "has_data": total.responses > 0,
    }
    csv_rows = [
        (
            s["dimension"],
            r.value,
            r.row.responses,
            r.row.nps,
            r.row.ci and r.row.ci[0],
            r.row.ci and r.row.ci[1],
            r.cost,
            r.cost_ci and r.cost_ci[0],
            r.cost_ci and r.cost_ci[1],
        )
        for s in sections
        for r in s["rows"]
    ]
    return page_response(
        request,
        "dashboard/drivers.html",
        page,
        context,
        csv_name="nps-drivers",
        csv_header=(
            "dimension",
            "value",
            "responses",
            "nps",
            "ci_low",
            "ci_high",
            "nps_points_lost",
            "points_lost_ci_low",
            "points_lost_ci_high",
        ),
        csv_rows=csv_rows,
    )
