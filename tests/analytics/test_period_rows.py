"""Period reads sum whole months from the agent-month rollups and the edge days from the
daily rows: whatever the range, the figures equal a count over the raw answers."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import breakdowns, buckets, selectors
from analytics.dashboard import queries
from analytics.dashboard.common import Filters
from analytics.models import NpsBucket, Scope
from analytics.nps import category
from tests.analytics.champion_data import bulk_answers
from tests.factories import AgentFactory, DepartmentFactory

pytestmark = pytest.mark.django_db

FIRST = date(2024, 1, 20)  # the days run across three month boundaries, February of a leap year among them
DAYS = 80


def at(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=ZoneInfo(django_settings.TIME_ZONE))


@pytest.fixture
def answers():
    """Two agents (one moved department midway), a few answers on most of the 80 days."""
    first, second = DepartmentFactory(code="period-a"), DepartmentFactory(code="period-b")
    steady, mover = AgentFactory(department=first), AgentFactory(department=first)
    stored = []
    for offset in range(DAYS):
        day = FIRST + timedelta(days=offset)
        rows = [(steady, (offset * 7) % 11, (offset * 3) % 11)]
        if offset % 3:
            rows.append((mover, (offset * 5) % 11, 10 - offset % 11))
        department = second if offset >= DAYS // 2 else first
        bulk_answers(rows[:1], when=at(day))
        if len(rows) > 1:
            bulk_answers(rows[1:], department=department, when=at(day))
        stored += [(day, agent, score) for agent, _company, score in rows]
    buckets.rebuild()
    return {"agents": (steady, mover), "answers": stored}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.integers(0, DAYS - 1), length=st.integers(1, DAYS))
def test_agent_figures_for_any_range_equal_the_raw_count(answers, start, length):
    since = FIRST + timedelta(days=start)
    until = min(since + timedelta(days=length - 1), FIRST + timedelta(days=DAYS - 1))

    rows = {r.key: r for r in selectors.nps_by(group_by="agent", question="agent", since=since, until=until)}

    for agent in answers["agents"]:
        expected = [score for day, who, score in answers["answers"] if who == agent and since <= day <= until]
        counts = rows[agent.external_id].counts
        assert counts.responses == len(expected)
        assert counts.promoters == sum(category(s) == "promoter" for s in expected)
        assert counts.detractors == sum(category(s) == "detractor" for s in expected)


def test_monthly_rows_are_read_only_for_whole_months_of_the_agent_scope():
    def sql(scope, since, until):
        return str(NpsBucket.objects.filter(selectors.period_rows(scope, since, until)).query)

    assert "agentmonth" in sql(Scope.AGENT, date(2024, 1, 30), date(2024, 3, 2))  # February whole
    assert "agentmonth" not in sql(Scope.AGENT, date(2024, 2, 3), date(2024, 2, 20))  # no whole month
    assert "agentmonth" not in sql(Scope.AGENT, date(2024, 1, 2), date(2024, 2, 28))  # 2024: Feb has 29 days
    assert "agentmonth" not in sql(Scope.DEPARTMENT, date(2024, 1, 1), date(2024, 12, 31))


def test_a_range_of_exactly_whole_months_reads_no_daily_rows(answers):
    steady = answers["agents"][0]
    months = NpsBucket.objects.filter(selectors.period_rows(Scope.AGENT, date(2024, 2, 1), date(2024, 3, 31)))

    assert set(months.values_list("scope", flat=True)) == {Scope.AGENT_MONTH}
    expected = [
        s for day, who, s in answers["answers"] if who == steady and date(2024, 2, 1) <= day <= date(2024, 3, 31)
    ]
    assert sum(months.filter(agent_key=steady.pk).values_list("responses", flat=True)) == len(expected) == 29 + 31


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.integers(0, DAYS - 1), length=st.integers(1, DAYS))
def test_funnel_and_drivers_for_any_range_equal_the_raw_count(answers, start, length):
    """The funnel and driver tables keep month rows too; the dashboards read them the same way."""
    breakdowns.rebuild()
    since = FIRST + timedelta(days=start)
    until = min(since + timedelta(days=length - 1), FIRST + timedelta(days=DAYS - 1))
    filters = Filters(
        since=since, until=until, department=None, channel="", question="agent", interval="week", department_ids=None
    )
    expected = sum(1 for day, _who, _score in answers["answers"] if since <= day <= until)

    assert queries.funnel(filters)["answered"] == expected
    assert queries.drivers(filters, "agent")["handle_time"]["unknown"].responses == expected
