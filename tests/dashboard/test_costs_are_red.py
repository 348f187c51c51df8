"""Red (the detractor orange-red) marks what costs NPS points on every chart, blue what
lifts them; red is never used as just another category colour."""

from analytics import figures
from analytics.dashboard.champions import ranking_figure
from analytics.themes import figures as theme_figures

RED, BLUE = figures.COLOURS["detractor"], figures.COLOURS["promoter"]


def test_points_lost_bars_are_red_and_gains_blue():
    killers = figures.bars_with_intervals(["Transfers: 3+"], [12.0], [5.0], [19.0], [40], costs=True)
    assert killers["data"][0]["marker"]["color"] == [RED]
    themes = theme_figures.points_lost(["Waiting", "Attitude"], [4.0, -2.0], [1.0, -4.0], [7.0, 0.0])
    assert themes["data"][0]["marker"]["color"] == [RED, BLUE]


def test_heatmaps_run_from_red_for_costs_to_blue_for_good():
    nps = figures.heatmap(["2026-11-02"], ["Billing"], [[-20.0]], [[10]])
    assert nps["data"][0]["colorscale"][0][1] == RED and nps["data"][0]["colorscale"][-1][1] == BLUE
    lost = theme_figures.department_heatmap(["Billing"], ["Waiting"], [[3.0]], [[10]])
    scale = lost["data"][0]["colorscale"]  # z = points lost: high is bad
    assert scale[-1][1] == RED and scale[0][1] == BLUE


def test_negative_nps_bars_are_red_positive_blue():
    bars = figures.bars_with_intervals(["A", "B"], [-10.0, 25.0], [-30.0, 5.0], [10.0, 45.0], [20, 20])
    assert bars["data"][0]["marker"]["color"] == [RED, BLUE]


def test_the_score_distribution_colours_detractors_red():
    colours = figures.score_distribution([1] * 11)["data"][0]["marker"]["color"]
    assert colours[:7] == [RED] * 7 and colours[9:] == [BLUE] * 2


def test_category_palettes_do_not_use_red():
    assert RED not in theme_figures.PALETTE
    top = [
        {"rank": i, "name": f"A{i}", "department_name": f"D{i}", "shrunk_nps": 50, "nps": 50, "n": 40,
         "ci_low": 30, "ci_high": 70}
        for i in range(1, 9)
    ]  # fmt: skip
    colours = {trace["marker"]["color"] for trace in ranking_figure(top)["data"]}
    assert RED not in colours
