"""Plotly figures as plain JSON-able dicts, drawn in the browser by our static plotly.js.

Building dicts (rather than plotly.graph_objects) keeps pages fast; tests validate every
figure against plotly's schema. Colours are colour-blind safe: detractors orange,
passives grey, promoters blue.
"""

from collections.abc import Sequence
from dataclasses import dataclass

COLOURS = {
    "detractor": "#c2410c",
    "passive": "#8b95a1",
    "promoter": "#1d4ed8",
    "company": "#0f766e",
    "agent": "#6d28d9",
    "band": "rgba(109, 40, 217, 0.15)",
    "band_company": "rgba(15, 118, 110, 0.15)",
    "benchmark": "#6b7280",
    "target": "#b45309",
    "stage": "#475569",
}
QUESTION_COLOURS = {
    "agent": (COLOURS["agent"], COLOURS["band"]),
    "company": (COLOURS["company"], COLOURS["band_company"]),
}
BENCHMARKS = ((30, "30: good"), (50, "50: excellent"))
CONFIG = {"displayModeBar": False, "responsive": True}


def base_layout(**overrides) -> dict:
    layout = {
        "margin": {"l": 48, "r": 16, "t": 16, "b": 40},
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13, "color": "#1b1f24"},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hovermode": "x unified",
        "legend": {"orientation": "h", "y": -0.2},
        "xaxis": {"gridcolor": "#e5e7eb", "zeroline": False},
        "yaxis": {"gridcolor": "#e5e7eb", "zeroline": True, "zerolinecolor": "#9ca3af"},
    }
    layout.update(overrides)
    return layout


@dataclass(frozen=True)
class TrendPoint:
    period: str  # ISO date of the period start
    nps: float | None
    ci_low: float | None
    ci_high: float | None
    responses: int
    partial: str = ""  # "week in progress", "partial week" (cut by the dates), … or "" when whole


def _partial_traces(question: str, points: Sequence[TrendPoint], colour: str) -> list[dict]:
    """The partial periods of one line: dashed segments to them and hollow markers, so a
    week still running does not read as a drop."""
    xs = [p.period for p in points]
    near = {i + d for i, p in enumerate(points) if p.partial for d in (-1, 0, 1)}
    dashed = [p.nps if i in near else None for i, p in enumerate(points)]
    marked = [p for p in points if p.partial]
    return [
        {
            "type": "scatter",
            "x": xs,
            "y": dashed,
            "mode": "lines",
            "line": {"color": colour, "width": 2, "dash": "dash"},
            "hoverinfo": "skip",
            "showlegend": False,
            "connectgaps": False,
        },
        {
            "type": "scatter",
            "x": [p.period for p in marked],
            "y": [p.nps for p in marked],
            "mode": "markers",
            "name": f"{question.title()} NPS, partial period",
            "marker": {"symbol": "circle-open", "size": 10, "color": colour, "line": {"width": 2, "color": colour}},
            "customdata": [[p.responses, p.partial] for p in marked],
            "hovertemplate": "%{y:.1f} (n=%{customdata[0]}, %{customdata[1]})<extra>" + question.title() + "</extra>",
            "showlegend": False,
        },
    ]


def trend(series: dict[str, Sequence[TrendPoint]], *, target: int | None = None) -> dict:
    """NPS over time per question, each with its 95 % interval as a shaded band, plus the
    benchmark lines and the target."""
    data = []
    for question, points in series.items():
        line, band = QUESTION_COLOURS.get(question, (COLOURS["agent"], COLOURS["band"]))
        xs = [p.period for p in points]
        data.append(
            {
                "type": "scatter",
                "x": xs,
                "y": [p.ci_high for p in points],
                "mode": "lines",
                "line": {"width": 0},
                "hoverinfo": "skip",
                "showlegend": False,
                "connectgaps": False,
            }
        )
        data.append(
            {
                "type": "scatter",
                "x": xs,
                "y": [p.ci_low for p in points],
                "mode": "lines",
                "line": {"width": 0},
                "fill": "tonexty",
                "fillcolor": band,
                "name": f"{question.title()} 95 % interval",
                "hoverinfo": "skip",
                "connectgaps": False,
            }
        )
        data.append(
            {
                "type": "scatter",
                "x": xs,
                "y": [None if p.partial else p.nps for p in points],
                "mode": "lines+markers",
                "name": f"{question.title()} NPS",
                "line": {"color": line, "width": 3},
                "connectgaps": False,
                "customdata": [p.responses for p in points],
                "hovertemplate": "%{y:.1f} (n=%{customdata})<extra>" + question.title() + "</extra>",
            }
        )
        if any(p.partial for p in points):
            data += _partial_traces(question, points, line)
    shapes, annotations = [], []
    # One note per partial period (the same for every question), above the plot.
    notes = {p.period: p.partial for points in series.values() for p in points if p.partial}
    for period, note in notes.items():
        annotations.append(
            {
                "x": period,
                "xref": "x",
                "y": 1,
                "yref": "paper",
                "yanchor": "bottom",
                "text": note,
                "showarrow": False,
                "font": {"size": 11, "color": COLOURS["benchmark"]},
            }
        )
    lines = [(value, label, COLOURS["benchmark"], "dot") for value, label in BENCHMARKS]
    if target is not None:
        lines.append((target, f"target {target}", COLOURS["target"], "dash"))
    for value, label, colour, dash in lines:
        shapes.append(
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": value,
                "y1": value,
                "line": {"color": colour, "width": 1, "dash": dash},
            }
        )
        annotations.append(
            {
                "xref": "paper",
                "x": 1,
                "y": value,
                "text": label,
                "showarrow": False,
                "xanchor": "right",
                "yanchor": "bottom",
                "font": {"size": 11, "color": colour},
            }
        )
    layout = base_layout(
        yaxis={"range": [-100, 100], "title": {"text": "NPS"}, "gridcolor": "#e5e7eb", "zerolinecolor": "#9ca3af"},
        shapes=shapes,
        annotations=annotations,
    )
    if notes:
        layout["margin"] = {**layout["margin"], "t": 32}
    return {"data": data, "layout": layout, "config": CONFIG}


def score_distribution(counts: Sequence[int], *, title: str = "") -> dict:
    """Answers per score 0–10, coloured by category."""
    colours = [COLOURS["detractor"]] * 7 + [COLOURS["passive"]] * 2 + [COLOURS["promoter"]] * 2
    data = [
        {
            "type": "bar",
            "x": list(range(11)),
            "y": list(counts),
            "marker": {"color": colours},
            "hovertemplate": "Score %{x}: %{y} answers<extra></extra>",
            "name": title or "Answers",
        }
    ]
    layout = base_layout(
        xaxis={"dtick": 1, "title": {"text": "Score"}},
        yaxis={"title": {"text": "Answers"}},
        hovermode="closest",
        showlegend=False,
    )
    return {"data": data, "layout": layout, "config": CONFIG}


def bars_with_intervals(
    labels: Sequence[str],
    values: Sequence[float | None],
    lows: Sequence[float | None],
    highs: Sequence[float | None],
    ns: Sequence[int],
    *,
    horizontal: bool = True,
    target: int | None = None,
    costs: bool = False,
) -> dict:
    """NPS per group with 95 % error bars; n in the hover and the label.

    `costs=True` draws NPS points lost instead: every bar in the colour of what costs
    points, on an axis fitted to the values rather than the NPS scale.
    """
    plus = [None if v is None or h is None else h - v for v, h in zip(values, highs, strict=True)]
    minus = [None if v is None or lo is None else v - lo for v, lo in zip(values, lows, strict=True)]
    if costs:
        colours = [COLOURS["detractor"]] * len(values)
    else:
        colours = [COLOURS["detractor"] if (v is not None and v < 0) else COLOURS["promoter"] for v in values]
    # n goes into the category label, where it never collides with the bar or its error bar.
    labels = [f"{label} (n={n:,})" for label, n in zip(labels, ns, strict=True)]
    bar = {
        "type": "bar",
        "marker": {"color": colours},
        "customdata": list(ns),
        "hovertemplate": "%{"
        + ("y" if horizontal else "x")
        + "}: %{"
        + ("x" if horizontal else "y")
        + ":+.1f}<extra></extra>",
    }
    error = {"type": "data", "symmetric": False, "array": plus, "arrayminus": minus, "color": "#374151"}
    if horizontal:
        bar.update({"orientation": "h", "y": list(labels), "x": list(values), "error_x": error})
        value_axis = (
            {"title": {"text": "NPS points lost"}, "rangemode": "tozero"}
            if costs
            else {
                "range": [-100, 100],
                "title": {"text": "NPS"},
            }
        )
        axis = {
            "xaxis": value_axis,
            "yaxis": {"automargin": True, "autorange": "reversed"},
        }
    else:
        bar.update({"x": list(labels), "y": list(values), "error_y": error})
        axis = {"yaxis": {"range": [-100, 100], "title": {"text": "NPS"}}, "xaxis": {"automargin": True}}
    shapes = []
    if target is not None:
        key = "x" if horizontal else "y"
        other = "y" if horizontal else "x"
        shapes.append(
            {
                "type": "line",
                f"{other}ref": "paper",
                f"{other}0": 0,
                f"{other}1": 1,
                f"{key}0": target,
                f"{key}1": target,
                "line": {"color": COLOURS["target"], "dash": "dash", "width": 1},
            }
        )
    margin = {"l": 16 if horizontal else 56, "r": 16, "t": 16, "b": 40}
    layout = base_layout(hovermode="closest", showlegend=False, shapes=shapes, margin=margin, **axis)
    if horizontal:  # every label readable, however many groups
        layout["height"] = max(220, 30 * len(labels) + 80)
    return {"data": [bar], "layout": layout, "config": CONFIG}


def _bounds(ci: tuple[float, float] | None) -> tuple[str, str]:
    return ("", "") if ci is None else (f"{ci[0]:.0f}".replace("-", "−"), f"{ci[1]:.0f}".replace("-", "−"))


def heatmap(
    x: Sequence[str],
    y: Sequence[str],
    z: Sequence[Sequence[float | None]],
    n: Sequence[Sequence[int]],
    intervals: Sequence[Sequence[tuple[float, float] | None]] | None = None,
    partial: Sequence[str] = (),
) -> dict:
    """NPS per cell on a red–grey–blue scale; hover gives n and, when given, the 95 % interval.
    `partial` notes, per column, a period that is not whole ("week in progress"), written
    above that column."""
    if intervals is None:
        customdata = [[[count, "", ""] for count in row] for row in n]
    else:
        customdata = [
            [[count, *_bounds(ci)] for count, ci in zip(counts, cis, strict=True)]
            for counts, cis in zip(n, intervals, strict=True)
        ]
    interval_hover = "" if intervals is None else ", 95 % %{customdata[1]} to %{customdata[2]}"
    data = [
        {
            "type": "heatmap",
            "x": list(x),
            "y": list(y),
            "z": [list(r) for r in z],
            "zmin": -100,
            "zmax": 100,
            "colorscale": [[0, COLOURS["detractor"]], [0.5, "#f3f4f6"], [1, COLOURS["promoter"]]],
            "customdata": customdata,
            "xgap": 2,
            "ygap": 2,
            "hovertemplate": "%{y}, %{x}: NPS %{z:.1f} (n=%{customdata[0]}" + interval_hover + ")<extra></extra>",
            "colorbar": {"title": {"text": "NPS"}},
        }
    ]
    notes = [
        {
            "x": column,
            "y": 1,
            "yref": "paper",
            "yanchor": "bottom",
            "text": "in progress" if note.endswith("in progress") else "partial",
            "showarrow": False,
            "font": {"size": 10, "color": COLOURS["benchmark"]},
        }
        for column, note in zip(x, partial, strict=False)
        if note
    ]
    layout = base_layout(
        hovermode="closest",
        margin={"l": 16, "r": 16, "t": 28 if notes else 16, "b": 40},
        yaxis={"automargin": True, "autorange": "reversed"},
        annotations=notes,
    )
    return {"data": data, "layout": layout, "config": CONFIG}


@dataclass(frozen=True)
class FunnelStage:
    label: str
    count: int
    lost: bool = False  # a branch that drops out (delivery failed), drawn in the colour of loss


def funnel(stages: Sequence[FunnelStage]) -> dict:
    """The survey funnel as horizontal bars, first stage on top, each with its count and its
    share of the first stage (plain bars: the partial plotly bundle has no funnel trace)."""
    first = stages[0].count if stages else 0
    text = [f"{s.count:,} · {100 * s.count / first:.0f} %" if first else f"{s.count:,}" for s in stages]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": [s.label for s in stages],
            "x": [s.count for s in stages],
            "text": text,
            "textposition": "auto",
            "textangle": 0,
            "cliponaxis": False,
            "marker": {"color": [COLOURS["detractor"] if s.lost else COLOURS["stage"] for s in stages]},
            "hovertemplate": "%{y}: %{x:,}<extra></extra>",
        }
    ]
    layout = base_layout(
        hovermode="closest",
        showlegend=False,
        margin={"l": 16, "r": 16, "t": 8, "b": 32},
        xaxis={"rangemode": "tozero", "gridcolor": "#e5e7eb", "nticks": 4},
        yaxis={"automargin": True, "autorange": "reversed"},
    )
    layout["height"] = max(320, 34 * len(stages) + 60)
    return {"data": data, "layout": layout, "config": CONFIG}


def counts_by_reason(labels: Sequence[str], counts: Sequence[int]) -> dict:
    """Why interactions were not surveyed: one grey bar per reason (neither good nor bad:
    the sampling rules working as configured)."""
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": list(labels),
            "x": list(counts),
            "text": [f"{c:,}" for c in counts],
            "textposition": "outside",
            "textangle": 0,
            "cliponaxis": False,
            "marker": {"color": COLOURS["passive"]},
            "hovertemplate": "%{y}: %{x:,}<extra></extra>",
        }
    ]
    layout = base_layout(
        hovermode="closest",
        showlegend=False,
        margin={"l": 16, "r": 48, "t": 8, "b": 32},
        xaxis={"rangemode": "tozero", "gridcolor": "#e5e7eb", "nticks": 4},
        yaxis={"automargin": True, "autorange": "reversed"},
    )
    layout["height"] = max(220, 34 * len(labels) + 60)
    return {"data": data, "layout": layout, "config": CONFIG}


def answer_distribution(labels: Sequence[str], counts: Sequence[int], colours: Sequence[str]) -> dict:
    """Customers per answer of an extra question (CSAT 1–5, CES 1–7, yes/no)."""
    data = [
        {
            "type": "bar",
            "x": list(labels),
            "y": list(counts),
            "marker": {"color": list(colours)},
            "hovertemplate": "%{x}: %{y:,} answers<extra></extra>",
        }
    ]
    layout = base_layout(
        hovermode="closest",
        showlegend=False,
        margin={"l": 48, "r": 8, "t": 8, "b": 32},
        xaxis={"type": "category", "title": {"text": "Answer"}},
        yaxis={"title": {"text": "Answers"}, "rangemode": "tozero", "gridcolor": "#e5e7eb"},
    )
    if max(counts, default=0) < 5:  # whole answers only, never "0.2 answers"
        layout["yaxis"]["dtick"] = 1
    layout["height"] = 200
    return {"data": data, "layout": layout, "config": CONFIG}


def small_trend(
    points: Sequence[tuple[str, float | None, int, str]], *, axis_title: str, axis_range: Sequence[float]
) -> dict:
    """One figure per week or month (period start, value, n, partial note): partial periods
    hollow, n in the hover."""
    colour = COLOURS["stage"]
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": [p[0] for p in points],
            "y": [p[1] for p in points],
            "customdata": [[p[2], p[3] or "whole period"] for p in points],
            "line": {"color": colour, "width": 2},
            "marker": {
                "color": colour,
                "size": 8,
                "symbol": ["circle-open" if p[3] else "circle" for p in points],
                "line": {"color": colour, "width": 2},
            },
            "connectgaps": False,
            "hovertemplate": "%{x}: %{y:.1f} (n=%{customdata[0]}, %{customdata[1]})<extra></extra>",
        }
    ]
    layout = base_layout(
        hovermode="closest",
        showlegend=False,
        margin={"l": 48, "r": 8, "t": 8, "b": 32},
        yaxis={"title": {"text": axis_title}, "range": list(axis_range), "gridcolor": "#e5e7eb"},
    )
    layout["height"] = 200
    return {"data": data, "layout": layout, "config": CONFIG}
