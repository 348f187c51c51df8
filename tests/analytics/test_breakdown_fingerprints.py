"""The breakdowns' reconcile (histogram, funnel, drivers, extra answers) finds wrong days by
fingerprints over the raw rows (analytics.breakdown_fingerprints) and rewrites only those:
whatever is wrong with the stored rows, the result equals a rebuild from nothing, nothing
right is reported wrong, and an empty table is filled with exactly its own indexes back."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import breakdown_fingerprints, breakdowns
from analytics.models import DriverBucket, ExtraAnswerBucket, FunnelBucket, ScoreHistogram
from surveys.models import Interaction, Response
from surveys.versions import snapshot as version_snapshot
from tests.factories import (
    AgentFactory,
    DepartmentFactory,
    InteractionFactory,
    InvitationFactory,
    ResponseFactory,
    SurveyFactory,
    SurveyQuestionFactory,
)

pytestmark = pytest.mark.django_db

FIRST = date(2025, 1, 20)  # 12 days in January, 13 in February
DAYS = 25
CHANNELS = ["phone", "chat", "email", "sms"]
TAGS = [[], ["billing"], ["refund", "billing"], ["outage", "refund", "billing"], ["x" * 80]]
MODELS = [ScoreHistogram, FunnelBucket, DriverBucket, ExtraAnswerBucket]
STATUSES = ["answered", "suppressed", "sent", "failed", "expired"]


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(django_settings.TIME_ZONE))


def state() -> dict[str, set[tuple]]:
    """Every row of every breakdown table, without its id."""
    return {
        model.__name__: {tuple(v for k, v in sorted(row.items()) if k != "id") for row in model.objects.values()}
        for model in MODELS
    }


def indexes() -> set[tuple[str, str]]:
    tables = [m._meta.db_table for m in MODELS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [tables])
        return set(cursor.fetchall())


@pytest.fixture
def truth(postgres):
    """Two departments, three agents, interactions of every kind over 25 days (answered with
    0 to 3 tags and extra answers, suppressed for each reason, sent, failed, no invitation);
    the breakdowns rebuilt from nothing, and that result returned."""
    first, second = DepartmentFactory(code="bf-a"), DepartmentFactory(code="bf-b")
    agents = [AgentFactory(department=first), AgentFactory(department=first), AgentFactory(department=second)]
    survey = SurveyFactory()
    SurveyQuestionFactory(survey=survey, key="csat", kind="csat", text={"en": "How satisfied?"})
    SurveyQuestionFactory(survey=survey, key="solved", kind="yes_no", text={"en": "Solved?"})
    SurveyQuestionFactory(survey=survey, key="note", kind="text", text={"en": "Anything else?"})
    version = version_snapshot(survey)
    reasons = ["fatigue", "too_old", "not_requested"]
    n = 0
    for offset in range(DAYS):
        for index, agent in enumerate(agents):
            for k in range(1 + (offset + index) % 3):
                n += 1
                interaction = InteractionFactory(
                    agent=agent,
                    survey=survey,
                    occurred_at=at(FIRST + timedelta(days=offset), 8 + k),
                    channel=CHANNELS[n % 4],
                    handle_seconds=None if n % 7 == 0 else (n * 97) % 1500,
                    transfers=None if n % 5 == 0 else n % 4,
                    resolved=None if n % 6 == 0 else n % 2 == 0,
                    tags=TAGS[(n // 5) % len(TAGS)],
                )
                status = STATUSES[n % len(STATUSES)]
                if n % 11 == 0:
                    continue  # no invitation at all
                invitation = InvitationFactory(
                    interaction=interaction,
                    status=status,
                    suppressed_reason=reasons[n % 3] if status == "suppressed" else "",
                    opened_at=interaction.occurred_at if n % 3 == 0 else None,
                    sent_at=interaction.occurred_at if status != "suppressed" and n % 2 else None,
                )
                if status == "answered":
                    ResponseFactory(
                        invitation=invitation,
                        company_score=(n * 3) % 11,
                        agent_score=(n * 7) % 11,
                        survey_version=version,
                        extra_answers={"csat": 1 + n % 5, "solved": n % 2 == 0, "note": "ok"} if n % 4 else {},
                    )
    assert Response.objects.count() > 20 and Interaction.objects.count() > 90
    breakdowns.rebuild()
    return state()


def check(since: date | None = None, until: date | None = None) -> dict[str, breakdown_fingerprints.TableCheck]:
    with connection.cursor() as cursor:
        return breakdown_fingerprints.find_mismatches(cursor, since=since, until=until)


def nothing_found(found: dict) -> bool:
    return all(not c.days and not c.months for c in found.values())


def test_every_table_is_filled_and_nothing_is_reported_when_right(truth):
    assert all(truth[model.__name__] for model in MODELS)
    for _ in range(5):  # new random weights and seeds each time
        assert nothing_found(check())
        assert nothing_found(check(FIRST + timedelta(days=3), FIRST + timedelta(days=20)))
    assert breakdowns.rebuild().written == 0


def test_a_wrong_count_is_found_on_its_day_alone_and_repaired(truth):
    row = DriverBucket.objects.filter(grain="day", dimension="tag").order_by("day").last()
    DriverBucket.objects.filter(pk=row.pk).update(agent_detractors=row.agent_detractors + 1)

    found = check()
    assert found[DriverBucket._meta.db_table].days == {row.day}
    assert all(not c.days for name, c in found.items() if name != DriverBucket._meta.db_table)
    assert breakdowns.rebuild().written == 1
    assert state() == truth


def test_a_new_answer_not_yet_counted_is_found(truth):
    interaction = Interaction.objects.filter(invitation__isnull=True).first()
    ResponseFactory(
        invitation=InvitationFactory(interaction=interaction, status="answered"), company_score=10, agent_score=0
    )
    day = interaction.occurred_at.astimezone(ZoneInfo(django_settings.TIME_ZONE)).date()

    found = check()
    for model in (ScoreHistogram, FunnelBucket, DriverBucket):
        assert found[model._meta.db_table].days == {day}
    breakdowns.rebuild()
    assert nothing_found(check())


def test_a_wrong_month_row_is_rewritten_without_touching_any_day(truth):
    month = FunnelBucket.objects.filter(grain="month").order_by("day").last()
    FunnelBucket.objects.filter(pk=month.pk).update(answered=month.answered + 2)

    found = check()
    assert found[FunnelBucket._meta.db_table].months == {month.day}
    assert not found[FunnelBucket._meta.db_table].days
    breakdowns.rebuild()
    assert state() == truth


def test_a_ranged_rebuild_checks_and_repairs_its_days_only(truth):
    inside, outside = FIRST + timedelta(days=15), FIRST + timedelta(days=2)
    for day in (inside, outside):
        row = ScoreHistogram.objects.filter(day=day).first()
        ScoreHistogram.objects.filter(pk=row.pk).update(company_10=row.company_10 + 5)

    breakdowns.rebuild(since=inside - timedelta(days=1), until=FIRST + timedelta(days=DAYS))
    assert nothing_found(check(since=inside - timedelta(days=1)))
    assert check()[ScoreHistogram._meta.db_table].days == {outside}


def test_into_empty_tables_the_same_rows_and_exactly_the_same_indexes_come_back(truth):
    before = indexes()
    for model in MODELS:
        model.objects.all().delete()

    breakdowns.rebuild()

    assert state() == truth
    assert indexes() == before
    with pytest.raises(IntegrityError), transaction.atomic():  # the unique key is enforced again
        row = FunnelBucket.objects.first()
        row.pk = None
        row.save()


# Damage of every kind, any number of times: the reconcile undoes all of it.
damage = st.one_of(
    st.tuples(st.just("count"), st.sampled_from(MODELS), st.integers(0, 10_000), st.integers(-3, 3)),
    st.tuples(st.just("delete"), st.sampled_from(MODELS), st.integers(0, 10_000)),
    st.tuples(st.just("move"), st.sampled_from(MODELS), st.integers(0, 10_000), st.sampled_from(["day", "channel"])),
    st.tuples(st.just("zero"), st.sampled_from(MODELS), st.integers(0, 10_000)),
    st.tuples(st.just("value"), st.integers(0, 10_000)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(harm=st.lists(damage, min_size=1, max_size=4))
def test_the_reconcile_undoes_any_damage(truth, harm):
    for action, *args in harm:
        try:
            with transaction.atomic():
                apply(action, args)
        except IntegrityError:
            pass  # a duplicate key or a negative count: the table refused that damage

    breakdowns.rebuild()

    assert state() == truth
    assert nothing_found(check())


COUNTER = {
    ScoreHistogram: "agent_4",
    FunnelBucket: "opened",
    DriverBucket: "company_passives",
    ExtraAnswerBucket: "answers",
}
ZERO = {
    ScoreHistogram: [f"{q}_{s}" for q in ("company", "agent") for s in range(11)],
    FunnelBucket: ["interactions", "opened", "answered", "invited", "delivered", "suppressed"],
    DriverBucket: ["responses", "company_promoters", "agent_promoters"],
    ExtraAnswerBucket: ["answers"],
}


def apply(action: str, args: list) -> None:
    if action == "value":
        rows = list(DriverBucket.objects.order_by("pk"))
        row = rows[args[0] % len(rows)]
        DriverBucket.objects.filter(pk=row.pk).update(value=row.value[:59] + "?")
        return
    model, index = args[0], args[1]
    rows = list(model.objects.order_by("pk"))
    row = rows[index % len(rows)]
    if action == "delete":
        row.delete()
    elif action == "count":
        setattr(row, COUNTER[model], getattr(row, COUNTER[model]) + (args[2] or 1))
        row.save()
    elif action == "zero":
        for counter in ZERO[model]:
            if hasattr(row, counter):
                setattr(row, counter, 0)
        row.save()
    elif args[2] == "day":
        row.day += timedelta(days=1)
        row.save()
    else:
        row.channel = CHANNELS[(CHANNELS.index(row.channel) + 1) % 4]
        row.save()
