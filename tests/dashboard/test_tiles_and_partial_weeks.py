"""The overview's tiles say whose answers they count (a supervisor's departments, the whole
company, one department), and the trend draws a week still running, or cut by the dates,
apart from whole weeks: dashed, hollow and with a note, so it does not read as a drop."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from analytics.dashboard.queries import partial_period
from tests.dashboard.test_extra_questions_charted import last_90_days

pytestmark = pytest.mark.django_db


# --- Tiles ----------------------------------------------------------------------------------


def test_an_admin_reads_whole_company_on_the_tiles(client, admin_user, answered):
    client.force_login(admin_user)
    html = client.get("/dashboard/").content.decode()
    assert "Company question — whole company" in html
    assert "Agent question — whole company" in html
    assert "your departments" not in html


def test_a_supervisor_reads_your_departments_on_the_tiles(client, supervisor, answered):
    client.force_login(supervisor)
    html = client.get("/dashboard/").content.decode()
    assert "Company question — your departments" in html
    assert "Agent question — your departments" in html
    assert "whole company" not in html


def test_a_department_filter_names_the_department_on_the_tiles(client, supervisor, answered):
    client.force_login(supervisor)
    html = client.get("/dashboard/?department=billing").content.decode()
    assert "Company question — Billing" in html


# --- Partial weeks ----------------------------------------------------------------------------

MONDAY = date(2026, 11, 2)


def test_the_running_week_is_in_progress_and_a_cut_first_week_partial():
    filters = last_90_days(since=MONDAY + timedelta(days=2), until=MONDAY + timedelta(days=23))
    today = MONDAY + timedelta(days=23)  # the Wednesday of the fourth week
    assert partial_period(MONDAY, filters, today=today) == "partial week"  # starts before `since`
    assert partial_period(MONDAY + timedelta(days=7), filters, today=today) == ""
    assert partial_period(MONDAY + timedelta(days=21), filters, today=today) == "week in progress"


def test_a_past_range_ending_mid_week_ends_on_a_partial_week_not_one_in_progress():
    filters = last_90_days(since=MONDAY, until=MONDAY + timedelta(days=9))
    today = MONDAY + timedelta(days=60)
    assert partial_period(MONDAY, filters, today=today) == ""
    assert partial_period(MONDAY + timedelta(days=7), filters, today=today) == "partial week"


def test_months_too():
    filters = last_90_days(since=date(2026, 10, 1), until=date(2026, 11, 30), interval="month")
    assert partial_period(date(2026, 10, 1), filters, today=date(2026, 12, 5)) == ""
    assert partial_period(date(2026, 11, 1), filters, today=date(2026, 11, 20)) == "month in progress"


def test_the_overview_trend_marks_the_running_week(client, admin_user, answered):
    client.force_login(admin_user)
    figure = client.get("/dashboard/").context["trend_figure"]
    notes = [a["text"] for a in figure["layout"]["annotations"]]
    this_monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    # The fixture's answers are 3, 10, 17 days old: the running week has one only when today is
    # a Thursday or later; the first week of the 90 days is cut by the date unless it is a Monday.
    lines = [t for t in figure["data"] if t.get("name") == "Agent NPS"]
    assert len(lines) == 1
    hollow = [t for t in figure["data"] if t.get("marker", {}).get("symbol") == "circle-open"]
    dashed = [t for t in figure["data"] if t.get("line", {}).get("dash") == "dash"]
    periods = lines[0]["x"]
    if this_monday.isoformat() in periods:
        assert "week in progress" in notes
        assert hollow and dashed
        # The solid line leaves the running week out: it is drawn hollow, not as a drop.
        assert lines[0]["y"][periods.index(this_monday.isoformat())] is None
        assert this_monday.isoformat() in hollow[0]["x"]
    else:
        assert "week in progress" not in notes


def test_the_department_heatmap_marks_its_partial_columns(client, admin_user, answered):
    client.force_login(admin_user)
    figure = client.get("/dashboard/departments/").context["heatmap"]
    notes = {a["x"]: a["text"] for a in figure["layout"].get("annotations", [])}
    columns = figure["data"][0]["x"]
    this_monday = (timezone.localdate() - timedelta(days=timezone.localdate().weekday())).isoformat()
    if this_monday in columns:
        assert notes[this_monday] == "in progress"
    assert set(notes) <= set(columns)
    assert all(text in ("in progress", "partial") for text in notes.values())
