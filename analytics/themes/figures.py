"""Plotly figures of the themes page, as plain dicts (see analytics/figures.py). Orange-red
marks what costs NPS points, blue what lifts them (colour-blind safe, as elsewhere)."""

from collections.abc import Sequence
from datetime import date

from analytics.figures import COLOURS, CONFIG, base_layout

# One colour per theme line: no orange-red, which means "costs points" on every chart.
PALETTE = ["#1d4ed8", "#0e7490", "#0f766e", "#6d28d9", "#b45309", "#be185d", "#374151", "#15803d"]


def points_lost(labels: Sequence[str], values: Sequence[float], lows: Sequence[float], highs: Sequence[float]) -> dict:
    """Horizontal bars of the points each theme costs, with 95 % error bars."""
    bar = {
        "type": "bar",
        "orientation": "h",
        "y": list(labels),
        "x": [round(v, 2) for v in values],
        "marker": {"color": [COLOURS["detractor"] if v > 0 else COLOURS["promoter"] for v in values]},
        "error_x": {
            "type": "data",
            "symmetric": False,
            "array": [round(h - v, 2) for v, h in zip(values, highs, strict=True)],
            "arrayminus": [round(v - lo, 2) for v, lo in zip(values, lows, strict=True)],
            "color": "#374151",
        },
        "hovertemplate": "%{y}: %{x:+.2f} points<extra></extra>",
    }
    layout = base_layout(
        hovermode="closest",
        showlegend=False,
        margin={"l": 16, "r": 16, "t": 16, "b": 40},
        xaxis={"title": {"text": "NPS points lost (negative: gained)"}, "zeroline": True},
        yaxis={"automargin": True, "autorange": "reversed"},
    )
    layout["height"] = max(220, 30 * len(labels) + 80)
    return {"data": [bar], "layout": layout, "config": CONFIG}


def share_trend(series: dict[str, list[tuple[date, int, int]]]) -> dict:
    """Weekly share of comments per theme, in %, one line per theme."""
    data = []
    for i, (name, points) in enumerate(series.items()):
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "x": [week.isoformat() for week, _m, _c in points],
                "y": [round(100 * m / c, 1) if c else None for _w, m, c in points],
                "customdata": [c for _w, _m, c in points],
                "line": {"color": PALETTE[i % len(PALETTE)]},
                "hovertemplate": name + ": %{y:.1f} % of %{customdata} comments<extra></extra>",
            }
        )
    layout = base_layout(
        hovermode="closest",
        margin={"l": 56, "r": 16, "t": 16, "b": 40},
        yaxis={"title": {"text": "% of comments"}, "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.2},
    )
    return {"data": data, "layout": layout, "config": CONFIG}


def department_heatmap(
    departments: Sequence[str], themes: Sequence[str], z: Sequence[Sequence[float | None]], n: Sequence[Sequence[int]]
) -> dict:
    """Points lost per department (rows) and theme (columns): red costs, blue lifts."""
    top = max((abs(v) for row in z for v in row if v is not None), default=1.0) or 1.0
    data = [
        {
            "type": "heatmap",
            "x": list(themes),
            "y": list(departments),
            "z": [list(r) for r in z],
            "zmin": -top,
            "zmax": top,
            "colorscale": [[0, COLOURS["promoter"]], [0.5, "#f3f4f6"], [1, COLOURS["detractor"]]],
            "customdata": [list(r) for r in n],
            "xgap": 2,
            "ygap": 2,
            "hovertemplate": "%{y}, %{x}: %{z:+.2f} points (mentions %{customdata})<extra></extra>",
            "colorbar": {"title": {"text": "Points lost"}},
        }
    ]
    layout = base_layout(
        hovermode="closest",
        margin={"l": 16, "r": 16, "t": 16, "b": 80},
        yaxis={"automargin": True, "autorange": "reversed"},
        xaxis={"automargin": True},
    )
    return {"data": data, "layout": layout, "config": CONFIG}
