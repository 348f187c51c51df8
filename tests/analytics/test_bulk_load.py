"""Rebuilding into an empty bucket table drops its secondary indexes while the rows go in
and builds them again afterwards (analytics.bulk_load): the rows equal a row-by-row
rebuild, and exactly the same indexes and constraints come back."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from analytics import buckets
from analytics.bulk_load import filling_empty
from analytics.models import NpsBucket
from tests.analytics.champion_data import bulk_answers
from tests.analytics.test_rebuild_command import snapshot
from tests.factories import AgentFactory, DepartmentFactory

pytestmark = pytest.mark.django_db


def definitions(table: str) -> set[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        indexes = set(cursor.fetchall())
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass", [table]
        )
        return indexes | set(cursor.fetchall())


@pytest.fixture
def answers(postgres):
    billing, claims = DepartmentFactory(code="bl-a"), DepartmentFactory(code="bl-b")
    agents = [AgentFactory(department=billing), AgentFactory(department=claims)]
    for offset in range(40):
        when = timezone.now() - timedelta(days=offset)
        bulk_answers([(agent, (offset + i) % 11, (offset * 3 + i) % 11) for i, agent in enumerate(agents)], when=when)
    buckets.rebuild(exact=True)
    return snapshot()


def test_into_an_empty_table_the_rows_equal_a_row_by_row_rebuild_and_the_indexes_come_back(answers):
    before = definitions(NpsBucket._meta.db_table)
    NpsBucket.objects.all().delete()

    result = buckets.rebuild()

    assert snapshot() == answers
    assert result.written == len(answers)
    assert definitions(NpsBucket._meta.db_table) == before
    assert buckets.rebuild(exact=True).written == 0
    with pytest.raises(IntegrityError), transaction.atomic():  # the unique key holds again
        row = NpsBucket.objects.first()
        row.pk = None
        row.save()


def test_a_table_with_rows_keeps_its_indexes_untouched(answers):
    with transaction.atomic(), connection.cursor() as cursor, filling_empty(cursor, NpsBucket._meta.db_table) as empty:
        assert empty is False
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = %s", [NpsBucket._meta.db_table])
        assert cursor.fetchone()[0] == 3


def test_a_failed_fill_leaves_the_indexes_in_place(answers):
    before = definitions(NpsBucket._meta.db_table)
    NpsBucket.objects.all().delete()
    table = NpsBucket._meta.db_table
    with (
        pytest.raises(RuntimeError),
        transaction.atomic(),
        connection.cursor() as cursor,
        filling_empty(cursor, table) as empty,
    ):
        assert empty
        raise RuntimeError("the rebuild failed halfway")
    assert definitions(NpsBucket._meta.db_table) == before
