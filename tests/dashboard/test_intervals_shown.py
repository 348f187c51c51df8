"""Every NPS shown for an agent or department carries n and its adjusted-Wald interval:
heatmap cells and sparkline points on hover, points lost on the drivers page, and the
headline change on the overview."""

import csv
import io
import json
import re
from datetime import timedelta

from django.utils import timezone

from analytics import nps
from analytics.dashboard.drivers import cost_interval
from tests.factories import AgentFactory


def figure(html: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_heatmap_cells_show_n_and_the_interval_on_hover(client, admin_user, answered):
    client.force_login(admin_user)
    html = client.get("/dashboard/departments/?question=agent").content.decode()

    heat = figure(html, "dept-heatmap")["data"][0]
    assert "95 %" in heat["hovertemplate"] and "n=%{customdata[0]}" in heat["hovertemplate"]
    cells = [
        (z, cell)
        for zrow, crow in zip(heat["z"], heat["customdata"], strict=True)
        for z, cell in zip(zrow, crow, strict=True)
    ]
    answered_cells = [(z, cell) for z, cell in cells if cell[0]]
    assert answered_cells
    for _z, (_n, low, high) in answered_cells:
        # One answer alone never shows a point interval such as "100 to 100".
        assert low != high
    single = [cell for _z, cell in answered_cells if cell[0] == 1]
    for _n, low, high in single:
        assert (low, high) in {("−48", "98"), ("−98", "48"), ("−60", "60")}  # n = 1: see test_nps_math


def test_sparkline_points_carry_n_and_interval(client, admin_user, answered):
    client.force_login(admin_user)
    html = client.get("/dashboard/agents/?question=agent").content.decode()

    titles = re.findall(r'<circle [^>]*class="spark-dot"><title>([^<]*)</title>', html)
    assert titles
    assert all(re.search(r"NPS [−+]?\d+\.\d \(n = \d+, 95 % −?\d+ to −?\d+\)", t) for t in titles)


def test_points_lost_have_an_interval_and_killers_are_red(client, admin_user, answered):
    client.force_login(admin_user)
    html = client.get("/dashboard/drivers/?question=agent").content.decode()
    rows = list(
        csv.DictReader(io.StringIO(client.get("/dashboard/drivers/?question=agent&format=csv").content.decode()))
    )

    lost = [r for r in rows if r["nps_points_lost"] and float(r["nps_points_lost"]) > 0]
    assert lost
    for r in lost:
        assert float(r["points_lost_ci_low"]) < float(r["nps_points_lost"]) < float(r["points_lost_ci_high"])
    if "killers-data" in html:
        bar = figure(html, "killers")["data"][0]
        assert set(bar["marker"]["color"]) == {"#c2410c"}


def test_points_lost_interval_by_hand():
    group, total = nps.Counts(0, 0, 5), nps.Counts(10, 0, 5)
    low, high = cost_interval(group, total)
    rest = nps.Counts(10, 0, 0)
    change = nps.change_interval(rest, group)

    assert (low, high) == (round(5 / 15 * change[0], 2), round(5 / 15 * change[1], 2))
    assert low > 0  # ten promoters against five detractors: a real loss


def test_overview_change_states_its_interval(client, admin_user, answered):
    AgentFactory()  # the page must not need every agent to have answers
    client.force_login(admin_user)
    since = timezone.localdate() - timedelta(days=13)
    html = client.get(f"/dashboard/?since={since.isoformat()}").content.decode()

    assert "vs previous 14 days" in html
    assert re.search(r"\(95 % −?\d+ to −?\d+\)", html)
