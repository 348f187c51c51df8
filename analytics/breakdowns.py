"""Derived breakdowns beside the NPS buckets: the 0–10 score histogram, the survey funnel
and the drivers (NPS by handle time, transfers, resolution, tag).

Each is rebuilt set-based from the raw rows for a range of local days, in one
transaction, writing only the rows that differ, like analytics.buckets.rebuild(). The
funnel and the drivers also keep calendar-month rows for period reads. The answers to the
extra scale and yes/no questions (CSAT, CES) are counted per day, agent and answer. They are refreshed by the periodic
reconcile (a few minutes behind at most), not per answer: they explain the headline
figures, which the per-answer flush keeps fresh.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from analytics import breakdown_fingerprints
from analytics.breakdown_sql import (
    DIMENSIONS,
    FUNNEL_CONDITIONS,
    FUNNEL_COUNTERS,
    RESOLVED_SQL,
    TRANSFERS_SQL,
    extra_answers_sql,
    handle_band_sql,
    tag_value,
    tags_join,
)
from analytics.buckets import COUNTERS, NAMED_COUNT_SQL, SHORT_RANGE_DAYS, day_spans, day_start
from analytics.bulk_load import filling_empty, use_aggregate_memory
from analytics.models import (
    HISTOGRAM_COLUMNS,
    SCORES,
    DriverBucket,
    ExtraAnswerBucket,
    FunnelBucket,
    ScoreHistogram,
)
from analytics.months import month_sql, month_start, next_month
from analytics.sync import SyncResult, sync

__all__ = ["DIMENSIONS", "FUNNEL_COUNTERS", "Range", "rebuild"]


@dataclass(frozen=True)
class Range:
    """Local days [since, until] as SQL conditions on a timestamp column and a day column."""

    since: date | None
    until: date | None

    def on_time(self, column: str) -> tuple[str, list]:
        parts, params = [], []
        if self.since:
            parts.append(f"{column} >= %s")
            params.append(connection.ops.adapt_datetimefield_value(day_start(self.since)))
        if self.until:
            parts.append(f"{column} < %s")
            params.append(connection.ops.adapt_datetimefield_value(day_start(self.until + timedelta(days=1))))
        return (" AND ".join(parts) or "1=1"), params

    def on_day(self) -> tuple[str, list]:
        parts, params = [], []
        if self.since:
            parts.append("day >= %s")
            params.append(self.since)
        if self.until:
            parts.append("day <= %s")
            params.append(self.until)
        return (" AND ".join(parts) or "1=1"), params


def _day(column: str) -> tuple[str, tuple]:
    return connection.ops.datetime_cast_date_sql(column, (), settings.TIME_ZONE)


@dataclass(frozen=True)
class Table:
    """A breakdown table: how its day rows are synced for a range, and, when it keeps month
    rows, their key and counters."""

    model: type
    sync_days: Callable
    month_key: list[str] | None = None
    month_counters: list[str] | None = None

    @property
    def name(self) -> str:
        return self.model._meta.db_table


def rebuild(*, since: date | None = None, until: date | None = None) -> SyncResult:
    """Make histogram, funnel, drivers and extra answers of the local days [since, until]
    (all when None) equal to what the raw rows say, writing only the rows that differ
    (analytics.sync). An empty table is filled with its indexes built afterwards
    (analytics.bulk_load); over more than a month on PostgreSQL the days to compare are
    found first by fingerprints (analytics.breakdown_fingerprints)."""
    days = Range(since, until)
    with transaction.atomic(), connection.cursor() as cursor:
        _without_jit(cursor)
        use_aggregate_memory(cursor)
        written, filled = SyncResult(), set()
        for table in TABLES:
            with filling_empty(cursor, table.name) as empty:
                if empty:
                    written += _sync_table(cursor, table, days)
                    filled.add(table.name)
        rest = [table for table in TABLES if table.name not in filled]
        if rest and breakdown_fingerprints.supported() and not _short(since, until):
            found = breakdown_fingerprints.find_mismatches(cursor, since=since, until=until)
            for table in rest:
                written += _repair(cursor, table, found[table.name])
        else:
            for table in rest:
                written += _sync_table(cursor, table, days)
        return written


def _short(since: date | None, until: date | None) -> bool:
    """A month or less (the frequent reconciles of the last days): comparing rows is cheap there."""
    return since is not None and ((until or timezone.localdate()) - since).days < SHORT_RANGE_DAYS


def _sync_table(cursor, table: Table, days: Range) -> SyncResult:
    written = table.sync_days(cursor, days)
    if table.month_key:
        written += _sync_months(cursor, table.name, table.month_key, table.month_counters, days)
    return written


def _repair(cursor, table: Table, found: breakdown_fingerprints.TableCheck) -> SyncResult:
    """Compare row by row the days found wrong (with the months over them), then the months
    found wrong on their own."""
    written, months_done = SyncResult(), set()
    for first, last in day_spans(found.days):
        written += _sync_table(cursor, table, Range(first, last))
        month = month_start(first)
        while month <= last:
            months_done.add(month)
            month = next_month(month)
    if table.month_key:
        for month in sorted(found.months - months_done):
            last = next_month(month) - timedelta(days=1)
            written += _sync_months(cursor, table.name, table.month_key, table.month_counters, Range(month, last))
    return written


def _without_jit(cursor) -> None:
    """No JIT compilation for this transaction (PostgreSQL). The planner overestimates these
    statements (a response's tags are guessed at 100 rows) past the thresholds for inlining
    and optimising, and compiling took longer than running: measured on 1,000,000 responses,
    the 40-day reconcile went from 2.3 to 0.9 s without it, the full one from 8.5 to 7.2 s."""
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL jit = off")


def _sync_histogram(cursor, days: Range) -> SyncResult:
    table = ScoreHistogram._meta.db_table
    time_where, time_params = days.on_time("r.occurred_at")
    day_sql, day_sql_params = _day("r.occurred_at")
    counts = ", ".join(
        f"SUM(CASE WHEN r.{q}_score = {s} THEN 1 ELSE 0 END) AS {q}_{s}" for q in ("company", "agent") for s in SCORES
    )
    day_where, day_params = days.on_day()
    return sync(
        cursor,
        table=table,
        key=["day", "department_key", "channel"],
        counters=HISTOGRAM_COLUMNS,
        source_sql=f"SELECT {day_sql} AS day, r.department_id AS department_key, r.channel AS channel, {counts} "
        f"FROM surveys_response r WHERE {time_where} GROUP BY 1, 2, 3",
        source_params=[*day_sql_params, *time_params],
        target_where=day_where,
        target_params=day_params,
    )


DRIVER_KEY = ["grain", "dimension", "value", "day", "department_key", "channel"]
DAY_ROWS = "grain = 'day' AND "
FUNNEL_KEY = ["grain", "day", "department_key", "agent_key", "channel"]


def _sync_funnel(cursor, days: Range) -> SyncResult:
    time_where, time_params = days.on_time("i.occurred_at")
    day_sql, day_sql_params = _day("i.occurred_at")
    day_where, day_params = days.on_day()
    return sync(
        cursor,
        table=FunnelBucket._meta.db_table,
        key=FUNNEL_KEY,
        counters=FUNNEL_COUNTERS,
        source_sql=f"SELECT 'day' AS grain, {day_sql} AS day, i.department_id AS department_key, "
        "i.agent_id AS agent_key, i.channel AS channel, "
        + ", ".join(f"SUM(CASE WHEN {when} THEN 1 ELSE 0 END) AS {name}" for name, when in FUNNEL_CONDITIONS.items())
        + " FROM surveys_interaction i LEFT JOIN surveys_invitation v ON v.interaction_id = i.id "
        f"WHERE {time_where} GROUP BY 2, 3, 4, 5",
        source_params=[*day_sql_params, *time_params],
        target_where=DAY_ROWS + day_where,
        target_params=day_params,
    )


def _sync_months(cursor, table: str, key: list[str], counters: list[str], days: Range) -> SyncResult:
    """A table's month rows from its day rows, for every month the days touch (whole
    months). `key` starts with grain and holds `day`."""
    months = Range(days.since and month_start(days.since), days.until and next_month(days.until) - timedelta(days=1))
    month_where, month_params = months.on_day()
    month = month_sql("day")
    group = [month if k == "day" else k for k in key if k != "grain"]
    columns = ", ".join(f"{month} AS day" if k == "day" else k for k in key if k != "grain")
    sums = ", ".join(f"SUM({c}) AS {c}" for c in counters)
    return sync(
        cursor,
        table=table,
        key=key,
        counters=counters,
        source_sql=f"SELECT 'month' AS grain, {columns}, {sums} FROM {table} "
        f"WHERE grain = 'day' AND {month_where} GROUP BY {', '.join(group)}",
        source_params=month_params,
        target_where=f"grain = 'month' AND {month_where}",
        target_params=month_params,
    )


def _sync_drivers(cursor, days: Range) -> SyncResult:
    time_where, time_params = days.on_time("r.occurred_at")
    day_sql, day_sql_params = _day("r.occurred_at")
    day_where, day_params = days.on_day()
    answers = "FROM surveys_response r JOIN surveys_interaction i ON i.id = r.interaction_id"

    def by_value(dimension: str, value_sql: str, join: str = "", where: str = "") -> str:
        return (
            f"SELECT 'day' AS grain, '{dimension}' AS dimension, {value_sql} AS value, {day_sql} AS day, "
            f"r.department_id AS department_key, r.channel AS channel, {NAMED_COUNT_SQL} {answers} {join} "
            f"WHERE {where}{time_where} GROUP BY 3, 4, 5, 6"
        )

    if connection.vendor == "postgresql":
        # One join for the three interaction attributes (GROUPING SETS); the tags apart, from
        # the tagged interactions only.
        attributes = (
            "SELECT 'day' AS grain, CASE GROUPING(handle, transfers, resolved) WHEN 3 THEN 'handle_time' "
            "WHEN 5 THEN 'transfers' ELSE 'resolved' END AS dimension, "
            f"COALESCE(handle, transfers, resolved) AS value, day, department_key, channel, {NAMED_COUNT_SQL} "
            f"FROM (SELECT {day_sql} AS day, r.department_id AS department_key, r.channel, "
            f"{handle_band_sql()} AS handle, {TRANSFERS_SQL} AS transfers, {RESOLVED_SQL} AS resolved, "
            f"r.company_score, r.agent_score {answers} WHERE {time_where}) AS a GROUP BY GROUPING SETS "
            "((day, department_key, channel, handle), (day, department_key, channel, transfers), "
            "(day, department_key, channel, resolved))"
        )
        parts = [attributes, by_value("tag", tag_value(), tags_join(), "i.tags <> '[]'::jsonb AND ")]
    else:
        parts = [
            by_value("handle_time", handle_band_sql()),
            by_value("transfers", TRANSFERS_SQL),
            by_value("resolved", RESOLVED_SQL),
            by_value("tag", tag_value(), tags_join()),
        ]
    return sync(
        cursor,
        table=DriverBucket._meta.db_table,
        key=DRIVER_KEY,
        counters=COUNTERS,
        source_sql=" UNION ALL ".join(parts),
        source_params=[*day_sql_params, *time_params] * len(parts),
        target_where=DAY_ROWS + day_where,
        target_params=day_params,
    )


EXTRA_KEY = ["day", "department_key", "agent_key", "channel", "question_key", "kind", "value"]


def _sync_extra_answers(cursor, days: Range) -> SyncResult:
    time_where, time_params = days.on_time("r.occurred_at")
    day_sql, day_sql_params = _day("r.occurred_at")
    day_where, day_params = days.on_day()
    joins, key_sql, kind_sql, value_sql = extra_answers_sql()
    return sync(
        cursor,
        table=ExtraAnswerBucket._meta.db_table,
        key=EXTRA_KEY,
        counters=["answers"],
        source_sql=f"SELECT {day_sql} AS day, r.department_id AS department_key, r.agent_id AS agent_key, "
        f"r.channel AS channel, {key_sql} AS question_key, {kind_sql} AS kind, "
        f"{value_sql} AS value, COUNT(*) AS answers "
        f"FROM surveys_response r {joins} AND {time_where} GROUP BY 1, 2, 3, 4, 5, 6, 7",
        source_params=[*day_sql_params, *time_params],
        target_where=day_where,
        target_params=day_params,
    )


TABLES = [
    Table(ScoreHistogram, _sync_histogram),
    Table(FunnelBucket, _sync_funnel, FUNNEL_KEY, FUNNEL_COUNTERS),
    Table(DriverBucket, _sync_drivers, DRIVER_KEY, COUNTERS),
    Table(ExtraAnswerBucket, _sync_extra_answers),
]
