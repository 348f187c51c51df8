"""Derived breakdowns beside the NPS buckets: the 0–10 score histogram, the survey funnel
and the drivers (NPS by handle time, transfers, resolution, tag).

Each is rebuilt set-based from the raw rows for a range of local days, in one
transaction, writing only the rows that differ, like analytics.buckets.rebuild(). The
funnel and the drivers also keep calendar-month rows for period reads. The answers to the
extra scale and yes/no questions (CSAT, CES) are counted per day, agent and answer. They are refreshed by the periodic
reconcile (a few minutes behind at most), not per answer: they explain the headline
figures, which the per-answer flush keeps fresh.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction

from analytics.buckets import COUNTERS, NAMED_COUNT_SQL, day_start
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

HANDLE_BANDS = [
    (0, 180, "under 3 min"),
    (180, 360, "3–6 min"),
    (360, 600, "6–10 min"),
    (600, 1200, "10–20 min"),
    (1200, None, "over 20 min"),
]
TRANSFER_VALUES = ["0", "1", "2", "3+"]
DIMENSIONS = {
    "handle_time": [label for _, _, label in HANDLE_BANDS] + ["unknown"],
    "transfers": [*TRANSFER_VALUES, "unknown"],
    "resolved": ["resolved", "unresolved", "unknown"],
}


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


def _tags_join() -> str:
    if connection.vendor == "postgresql":
        return "CROSS JOIN LATERAL jsonb_array_elements_text(i.tags) AS t(tag)"
    return "JOIN json_each(i.tags) AS t"


def _tag_value() -> str:
    return "t.tag" if connection.vendor == "postgresql" else "t.value"


def _handle_band_sql() -> str:
    cases = " ".join(
        f"WHEN i.handle_seconds < {upper} THEN '{label}'" for _lower, upper, label in HANDLE_BANDS if upper is not None
    )
    return f"CASE WHEN i.handle_seconds IS NULL THEN 'unknown' {cases} ELSE '{HANDLE_BANDS[-1][2]}' END"


TRANSFERS_SQL = (
    "CASE WHEN i.transfers IS NULL THEN 'unknown' WHEN i.transfers = 0 THEN '0' WHEN i.transfers = 1 THEN '1' "
    "WHEN i.transfers = 2 THEN '2' ELSE '3+' END"
)
RESOLVED_SQL = "CASE WHEN i.resolved IS NULL THEN 'unknown' WHEN i.resolved THEN 'resolved' ELSE 'unresolved' END"


def rebuild(*, since: date | None = None, until: date | None = None) -> SyncResult:
    """Make histogram, funnel and drivers of the local days [since, until] (all when None)
    equal to what the raw rows say, writing only the rows that differ (analytics.sync)."""
    days = Range(since, until)
    with transaction.atomic(), connection.cursor() as cursor:
        _without_jit(cursor)
        return (
            _sync_histogram(cursor, days)
            + _sync_funnel(cursor, days)
            + _sync_months(cursor, FunnelBucket._meta.db_table, FUNNEL_KEY, FUNNEL_COUNTERS, days)
            + _sync_drivers(cursor, days)
            + _sync_months(cursor, DriverBucket._meta.db_table, DRIVER_KEY, COUNTERS, days)
            + _sync_extra_answers(cursor, days)
        )


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
# Why interactions were not surveyed: one counter per reason (surveys.models.SuppressedReason).
SUPPRESSED_REASONS = ["not_requested", "too_old", "fatigue", "sample_reached", "channel_disabled", "survey_inactive"]
FUNNEL_COUNTERS = [
    "interactions",
    "suppressed",
    *SUPPRESSED_REASONS,
    "invited",
    "delivered",
    "failed",
    "opened",
    "answered",
]


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
        "i.agent_id AS agent_key, i.channel AS channel, COUNT(*) AS interactions, "
        "SUM(CASE WHEN v.status = 'suppressed' THEN 1 ELSE 0 END) AS suppressed, "
        + "".join(
            f"SUM(CASE WHEN v.status = 'suppressed' AND v.suppressed_reason = '{reason}' THEN 1 ELSE 0 END) "
            f"AS {reason}, "
            for reason in SUPPRESSED_REASONS
        )
        + "SUM(CASE WHEN v.id IS NOT NULL AND v.status <> 'suppressed' THEN 1 ELSE 0 END) AS invited, "
        "SUM(CASE WHEN v.status <> 'suppressed' AND v.sent_at IS NOT NULL THEN 1 ELSE 0 END) AS delivered, "
        "SUM(CASE WHEN v.status = 'failed' THEN 1 ELSE 0 END) AS failed, "
        "SUM(CASE WHEN v.opened_at IS NOT NULL OR v.status = 'answered' THEN 1 ELSE 0 END) AS opened, "
        "SUM(CASE WHEN v.status = 'answered' THEN 1 ELSE 0 END) AS answered "
        "FROM surveys_interaction i LEFT JOIN surveys_invitation v ON v.interaction_id = i.id "
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
    parts, params = [], []
    for dimension, value_sql, join in (
        ("handle_time", _handle_band_sql(), ""),
        ("transfers", TRANSFERS_SQL, ""),
        ("resolved", RESOLVED_SQL, ""),
        ("tag", f"SUBSTR({_tag_value()}, 1, 60)", _tags_join()),
    ):
        parts.append(
            f"SELECT 'day' AS grain, '{dimension}' AS dimension, {value_sql} AS value, {day_sql} AS day, "
            f"r.department_id AS department_key, r.channel AS channel, {NAMED_COUNT_SQL} "
            "FROM surveys_response r JOIN surveys_interaction i ON i.id = r.interaction_id "
            f"{join} WHERE {time_where} GROUP BY 3, 4, 5, 6"
        )
        params += [*day_sql_params, *time_params]
    return sync(
        cursor,
        table=DriverBucket._meta.db_table,
        key=DRIVER_KEY,
        counters=COUNTERS,
        source_sql=" UNION ALL ".join(parts),
        source_params=params,
        target_where=DAY_ROWS + day_where,
        target_params=day_params,
    )


EXTRA_KEY = ["day", "department_key", "agent_key", "channel", "question_key", "kind", "value"]
CHARTED_KINDS = ("csat", "ces", "yes_no")


def _extra_answers_sql() -> tuple[str, str, str, str]:
    """Each answer of a response to a charted extra question, with the question's kind as
    the survey version it answered defines it: (response alias r, key, kind, value)."""
    kinds = ", ".join(f"'{k}'" for k in CHARTED_KINDS)
    if connection.vendor == "postgresql":
        return (
            "CROSS JOIN LATERAL jsonb_each(r.extra_answers) AS a(key, value) "
            "JOIN surveys_surveyversion sv ON sv.id = r.survey_version_id "
            "CROSS JOIN LATERAL jsonb_array_elements(sv.content -> 'questions') AS q(question) "
            f"WHERE q.question ->> 'key' = a.key AND q.question ->> 'kind' IN ({kinds}) "
            "AND jsonb_typeof(a.value) IN ('number', 'boolean')",
            "a.key",
            "q.question ->> 'kind'",
            "a.value #>> '{}'",
        )
    return (
        "JOIN json_each(r.extra_answers) AS a "
        "JOIN surveys_surveyversion sv ON sv.id = r.survey_version_id "
        "JOIN json_each(sv.content, '$.questions') AS q "
        f"WHERE json_extract(q.value, '$.key') = a.key AND json_extract(q.value, '$.kind') IN ({kinds}) "
        "AND a.type IN ('integer', 'true', 'false')",
        "a.key",
        "json_extract(q.value, '$.kind')",
        "CASE a.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(a.value AS TEXT) END",
    )


def _sync_extra_answers(cursor, days: Range) -> SyncResult:
    time_where, time_params = days.on_time("r.occurred_at")
    day_sql, day_sql_params = _day("r.occurred_at")
    day_where, day_params = days.on_day()
    joins, key_sql, kind_sql, value_sql = _extra_answers_sql()
    return sync(
        cursor,
        table=ExtraAnswerBucket._meta.db_table,
        key=EXTRA_KEY,
        counters=["answers"],
        source_sql=f"SELECT {day_sql} AS day, r.department_id AS department_key, r.agent_id AS agent_key, "
        f"r.channel AS channel, SUBSTR({key_sql}, 1, 40) AS question_key, {kind_sql} AS kind, "
        f"SUBSTR({value_sql}, 1, 10) AS value, COUNT(*) AS answers "
        f"FROM surveys_response r {joins} AND {time_where} GROUP BY 1, 2, 3, 4, 5, 6, 7",
        source_params=[*day_sql_params, *time_params],
        target_where=day_where,
        target_params=day_params,
    )
