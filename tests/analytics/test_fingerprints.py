"""The reconcile finds wrong buckets by per-day fingerprints (analytics.fingerprints) and
rewrites only those days: whatever is wrong with the stored rows, the result equals a
row-by-row rebuild, and nothing right is reported wrong."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import buckets, fingerprints
from analytics.models import NpsBucket, Scope
from surveys.models import Response
from tests.analytics.champion_data import bulk_answers
from tests.analytics.test_rebuild_command import FIELDS, snapshot
from tests.factories import AgentFactory, DepartmentFactory

pytestmark = pytest.mark.django_db

FIRST = date(2025, 1, 20)  # 20 days in January, 20 in February
DAYS = 40
CHANNELS = ["phone", "chat", "email", "sms"]
COUNTERS = FIELDS[5:]


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(django_settings.TIME_ZONE))


@pytest.fixture
def truth(postgres):
    """Three agents (one moves department on day 20), answers on most days over every
    channel; the buckets rebuilt row by row, and that result returned."""
    first, second = DepartmentFactory(code="fp-a"), DepartmentFactory(code="fp-b")
    agents = [AgentFactory(department=first), AgentFactory(department=first), AgentFactory(department=second)]
    for offset in range(DAYS):
        for index, agent in enumerate(agents):
            if (offset + index) % 4 == 3:
                continue
            department = second if agent is agents[1] and offset >= 20 else None
            rows = [(agent, (offset * 3 + k) % 11, (offset * 7 + index + k) % 11) for k in range(1 + offset % 3)]
            bulk_answers(rows, department=department, when=at(FIRST + timedelta(days=offset), 8 + index))
    for number, response in enumerate(Response.objects.order_by("pk")):
        Response.objects.filter(pk=response.pk).update(channel=CHANNELS[number % 4])
    buckets.rebuild(exact=True)
    return snapshot()


def check(since: date | None = None, until: date | None = None) -> fingerprints.Mismatches:
    with connection.cursor() as cursor:
        return fingerprints.find_mismatches(cursor, buckets._responses(since, until), since=since, until=until)


def test_nothing_is_reported_when_the_buckets_are_right(truth):
    for _ in range(5):  # new random weights each time
        assert check() == fingerprints.Mismatches(days=frozenset(), months=frozenset())
    assert buckets.rebuild().written == 0


def test_one_wrong_agent_bucket_is_found_on_its_day_alone(truth):
    day = FIRST + timedelta(days=25)
    bucket = NpsBucket.objects.filter(scope=Scope.AGENT, day=day).first()
    bucket.agent_passives += 1
    bucket.save()

    found = check()

    assert found.days == {day}
    result = buckets.rebuild()
    assert result.written == 1
    assert snapshot() == truth


@pytest.mark.parametrize("scope", [Scope.DEPARTMENT, Scope.COMPANY])
def test_a_rollup_that_disagrees_with_its_agent_rows_is_found(truth, scope):
    day = FIRST + timedelta(days=5)
    bucket = NpsBucket.objects.filter(scope=scope, day=day).first()
    # Counts moved between categories: the responses total still agrees.
    bucket.company_promoters += 1
    bucket.company_detractors -= 1 if bucket.company_detractors else -1
    bucket.save()

    assert check().days == {day}
    buckets.rebuild()
    assert snapshot() == truth


def test_a_wrong_agent_month_is_rewritten_without_touching_any_day(truth):
    month = NpsBucket.objects.filter(scope=Scope.AGENT_MONTH, day=date(2025, 2, 1)).first()
    month.responses += 2
    month.save()

    found = check()

    assert found.days == set()
    assert found.months == {date(2025, 2, 1)}
    assert buckets.rebuild().written == 1
    assert snapshot() == truth


def test_a_row_without_responses_is_removed(truth):
    day = FIRST + timedelta(days=3)
    NpsBucket.objects.create(scope=Scope.AGENT, day=day, department_key=1, agent_key=424242, channel="phone")

    assert check().days == {day}
    buckets.rebuild()
    assert snapshot() == truth


@pytest.mark.parametrize("first", [3, 36])  # a range longer than a month (fingerprints), and a short one
def test_a_ranged_rebuild_checks_and_repairs_its_days_only(truth, first):
    since, until = FIRST + timedelta(days=first), FIRST + timedelta(days=DAYS - 1)
    inside, outside = FIRST + timedelta(days=37), FIRST + timedelta(days=2)
    NpsBucket.objects.filter(scope=Scope.AGENT, day__in=[inside, outside]).update(responses=99)
    assert check(since=since, until=until).days == {inside}
    assert buckets._short(since, until) == (first == 36)

    buckets.rebuild(since=since, until=until)

    days = Q(day__gte=since) & ~Q(scope=Scope.AGENT_MONTH)
    assert set(NpsBucket.objects.filter(days).values_list(*FIELDS)) == {
        row for row in truth if row[1] >= since and row[0] != Scope.AGENT_MONTH
    }
    # February's agent months sum its agent rows, all right now; January's include the day left wrong.
    february = date(2025, 2, 1)
    assert snapshot(scope=Scope.AGENT_MONTH, day=february) == {
        r for r in truth if r[:2] == (Scope.AGENT_MONTH, february)
    }
    assert set(NpsBucket.objects.filter(scope="agent", day=outside).values_list("responses", flat=True)) == {99}
    buckets.rebuild()
    assert snapshot() == truth


def test_an_empty_table_is_filled(truth):
    NpsBucket.objects.all().delete()

    assert len(check().days) == len({row[1] for row in truth if row[0] != Scope.AGENT_MONTH})
    buckets.rebuild()
    assert snapshot() == truth


# Damage of every kind, any number of times: the reconcile undoes all of it.
damage = st.one_of(
    st.tuples(st.just("count"), st.integers(0, 10_000), st.sampled_from(COUNTERS), st.integers(-3, 3)),
    st.tuples(st.just("delete"), st.integers(0, 10_000)),
    st.tuples(
        st.just("move"), st.integers(0, 10_000), st.sampled_from(["day", "channel", "agent_key", "department_key"])
    ),
    st.tuples(
        st.just("insert"),
        st.sampled_from(list(Scope)),
        st.integers(-5, DAYS + 40),
        st.sampled_from(CHANNELS),
        st.integers(0, 3),
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(harm=st.lists(damage, min_size=1, max_size=5))
def test_the_reconcile_undoes_any_damage(truth, harm):
    rows = list(NpsBucket.objects.order_by("pk"))
    for action, *args in harm:
        try:
            with transaction.atomic():
                apply(action, args, rows)
        except IntegrityError:
            pass  # a duplicate key or a negative count: the table refused that damage

    buckets.rebuild()

    assert snapshot() == truth
    assert buckets.rebuild(exact=True).written == 0


def apply(action: str, args: list, rows: list[NpsBucket]) -> None:
    if action == "insert":
        scope, offset, channel, count = args
        day = FIRST + timedelta(days=offset)
        if scope == Scope.AGENT_MONTH:
            day = day.replace(day=1)
        NpsBucket.objects.create(
            scope=scope, day=day, department_key=7, agent_key=7, channel=channel, responses=count, agent_promoters=count
        )
        return
    bucket = NpsBucket.objects.filter(pk=rows[args[0] % len(rows)].pk).first()
    if bucket is None:
        return
    if action == "delete":
        bucket.delete()
    elif action == "count":
        counter, delta = args[1], args[2] or 1
        setattr(bucket, counter, getattr(bucket, counter) + delta)
        bucket.save()
    elif args[1] == "day":
        bucket.day += timedelta(days=1)
        bucket.save()
    elif args[1] == "scope":
        scopes = list(Scope)
        bucket.scope = scopes[(scopes.index(bucket.scope) + 1) % len(scopes)]
        bucket.save()
    elif args[1] == "channel":
        bucket.channel = CHANNELS[(CHANNELS.index(bucket.channel) + 1) % 4]
        bucket.save()
    else:
        setattr(bucket, args[1], getattr(bucket, args[1]) + 1)
        bucket.save()


def test_day_spans_join_near_days_and_cap_their_number():
    d = date(2025, 3, 1)

    assert buckets.day_spans([]) == []
    assert buckets.day_spans([d, d + timedelta(days=3), d + timedelta(days=20)]) == [
        (d, d + timedelta(days=3)),
        (d + timedelta(days=20), d + timedelta(days=20)),
    ]
    many = [d + timedelta(days=10 * i) for i in range(40)]
    assert buckets.day_spans(many) == [(many[0], many[-1])]
