"""`manage.py rebuild_nps [--since DATE] [--until DATE]`: buckets rebuilt from the raw answers."""

from datetime import date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from analytics import buckets
from analytics.models import DriverBucket, FunnelBucket, NpsBucket, ScoreHistogram
from tests.analytics.champion_data import bulk_answers, levels
from tests.factories import AgentFactory, DepartmentFactory

pytestmark = pytest.mark.django_db

FIELDS = (
    "scope",
    "day",
    "department_key",
    "agent_key",
    "channel",
    "company_promoters",
    "company_passives",
    "company_detractors",
    "agent_promoters",
    "agent_passives",
    "agent_detractors",
    "responses",
)
D = date(2025, 9, 15)


def snapshot(**filters) -> set[tuple]:
    return set(NpsBucket.objects.filter(**filters).values_list(*FIELDS))


def on(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(settings.TIME_ZONE))


def rebuild_nps(*args: str) -> str:
    out = StringIO()
    call_command("rebuild_nps", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def five_days():
    """Two departments, three agents, answers on the five days D−2 … D+2."""
    billing, claims = DepartmentFactory(code="billing"), DepartmentFactory(code="claims")
    agents = [AgentFactory(department=billing), AgentFactory(department=billing), AgentFactory(department=claims)]
    for offset in range(-2, 3):
        for index, agent in enumerate(agents):
            scores = levels(1 + index, offset + 2, 1)
            bulk_answers([(agent, 10 - s // 2, s) for s in scores], when=on(D + timedelta(days=offset)))
    buckets.rebuild()
    return snapshot()


def test_rebuild_after_the_buckets_were_wiped(five_days):
    NpsBucket.objects.all().delete()

    output = rebuild_nps()

    assert snapshot() == five_days
    assert f"Rebuilt {len(five_days)} NPS buckets (all days)" in output
    company = NpsBucket.objects.get(scope="company", day=D)
    # Day D: the three agents gave 1+2+3 promoters, 2 passives and 1 detractor each.
    assert (company.agent_promoters, company.agent_passives, company.agent_detractors) == (6, 6, 3)
    assert company.responses == 15


def test_rebuild_repairs_corrupted_buckets(five_days):
    NpsBucket.objects.filter(scope="agent", day=D).update(agent_promoters=F("agent_promoters") + 50)
    NpsBucket.objects.filter(scope="company", day=D + timedelta(days=1)).delete()
    NpsBucket.objects.create(scope="department", day=D - timedelta(days=30), department_key=999, channel="sms")

    rebuild_nps()

    assert snapshot() == five_days


def test_since_rebuilds_that_day_and_after_only(five_days):
    NpsBucket.objects.filter(day=D - timedelta(days=1)).update(responses=F("responses") + 7)
    NpsBucket.objects.filter(day=D).delete()
    NpsBucket.objects.filter(day=D + timedelta(days=2)).update(agent_detractors=0)
    left_alone = snapshot(day=D - timedelta(days=1))

    output = rebuild_nps("--since", D.isoformat())

    assert snapshot(day__gte=D) == {b for b in five_days if b[1] >= D}
    assert snapshot(day=D - timedelta(days=1)) == left_alone  # outside the range: untouched
    assert f"Rebuilt {NpsBucket.objects.filter(day__gte=D).count()} NPS buckets (from {D})" in output


def test_since_and_until_rebuild_a_closed_range(five_days):
    NpsBucket.objects.all().delete()

    rebuild_nps("--since", D.isoformat(), "--until", D.isoformat())

    assert snapshot(scope__in=["agent", "department", "company"]) == {b for b in five_days if b[1] == D}
    # The month rollups of the touched month sum what the day rows now hold: day D only.
    months = {b[2:] for b in snapshot(scope="agentmonth")}
    assert months == {(b[2], b[3], b[4], *b[5:]) for b in five_days if b[0] == "agent" and b[1] == D}
    assert {b[1] for b in snapshot(scope="agentmonth")} == {D.replace(day=1)}


def test_a_rebuild_that_finds_everything_right_writes_nothing(five_days):
    NpsBucket.objects.filter(scope="agent", day=D).update(agent_promoters=F("agent_promoters") + 1)
    one_department = NpsBucket.objects.filter(scope="department", day=D).values("department_key")[:1]
    NpsBucket.objects.filter(scope="department", day=D, department_key__in=one_department).delete()
    NpsBucket.objects.filter(scope="agentmonth").update(responses=0)
    NpsBucket.objects.create(scope="company", day=D - timedelta(days=40), channel="sms", responses=1)

    repaired = buckets.rebuild()
    again = buckets.rebuild()

    # Three agent rows and three agent months changed, one department row missing, one company row too many.
    assert repaired.written == 3 + 3 + 1 + 1
    assert again.written == 0
    assert snapshot() == five_days


def test_agent_months_sum_the_agent_days(five_days):
    months = NpsBucket.objects.filter(scope="agentmonth")
    assert months.count() == 3  # three agents, one channel, all five days in September
    for month in months:
        days = NpsBucket.objects.filter(
            scope="agent", agent_key=month.agent_key, department_key=month.department_key, channel=month.channel
        )
        assert {day.day.replace(day=1) for day in days} == {month.day}
        assert month.responses == sum(day.responses for day in days)
        assert month.agent_promoters == sum(day.agent_promoters for day in days)
        assert month.company_detractors == sum(day.company_detractors for day in days)


def test_since_uses_the_local_day_of_the_interaction(settings):
    settings.TIME_ZONE = "Asia/Jakarta"  # UTC+7: both answers fall on the same UTC day
    agent = AgentFactory()
    bulk_answers([(agent, 9, 10)], when=on(D - timedelta(days=1), hour=23, minute=59))
    bulk_answers([(agent, 9, 3)], when=on(D, hour=0, minute=0))

    rebuild_nps("--since", D.isoformat())

    (agent_bucket,) = NpsBucket.objects.filter(scope="agent")
    assert agent_bucket.day == D
    assert (agent_bucket.agent_promoters, agent_bucket.agent_detractors) == (0, 1)
    rebuild_nps()
    assert sorted(NpsBucket.objects.filter(scope="agent").values_list("day", "agent_promoters")) == [
        (D - timedelta(days=1), 1),
        (D, 0),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2025-13-01"], "YYYY-MM-DD"),
        (["--since", "yesterday"], "YYYY-MM-DD"),
        (["--until", "15/09/2025"], "YYYY-MM-DD"),
        (["--since", "2025-09-16", "--until", "2025-09-15"], "on or before"),
    ],
)
def test_bad_dates_are_refused_and_nothing_changes(five_days, args, message):
    NpsBucket.objects.all().delete()

    with pytest.raises(CommandError, match=message):
        rebuild_nps(*args)

    assert not NpsBucket.objects.exists()


def test_the_rebuild_is_set_based_its_queries_do_not_grow_with_the_answers():
    billing = DepartmentFactory()
    first = [AgentFactory(department=billing) for _ in range(2)]
    bulk_answers([(first[i % 2], 9, 10) for i in range(10)], when=on(D))
    with CaptureQueriesContext(connection) as small:
        rebuild_nps()
    assert NpsBucket.objects.get(scope="company").responses == 10

    more = [AgentFactory(department=DepartmentFactory()) for _ in range(10)]
    for offset in range(1, 5):
        bulk_answers([(more[i % 10], i % 11, (3 * i) % 11) for i in range(50)], when=on(D + timedelta(days=offset)))
    # Both rebuilds start from empty derived tables (a rebuild into an empty range takes the
    # insert-only path of analytics.sync; one into stored rows compares them), so they compare
    # like with like: 10 answers on one day against 210 over five days.
    NpsBucket.objects.all().delete()
    for model in (ScoreHistogram, FunnelBucket, DriverBucket):
        model.objects.all().delete()
    with CaptureQueriesContext(connection) as large:
        rebuild_nps()
    assert sum(NpsBucket.objects.filter(scope="company").values_list("responses", flat=True)) == 210

    assert len(large.captured_queries) == len(small.captured_queries)


@pytest.mark.parametrize("exact", [False, True])
def test_the_command_says_how_many_rows_were_wrong(five_days, exact):
    NpsBucket.objects.filter(scope="agent", day=D).update(responses=F("responses") + 1)

    output = rebuild_nps(*(["--exact"] if exact else []))

    assert "3 rows were wrong and rewritten" in output  # three agent rows on day D
    assert snapshot() == five_days
    assert "0 rows were wrong" in rebuild_nps(*(["--exact"] if exact else []))
