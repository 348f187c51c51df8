"""Derived breakdowns beside the NPS buckets: the 0–10 score histogram, the survey funnel
and the drivers (NPS by handle time, transfers, resolution, tag).

Each is rebuilt set-based from the raw rows for a range of local days, in one
transaction, like analytics.buckets.rebuild(). They are refreshed by the periodic
reconcile (a few minutes behind at most), not per answer: they explain the headline
figures, which the per-answer flush keeps fresh.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction

from analytics.buckets import day_start
from analytics.models import SCORES, DriverBucket, FunnelBucket, ScoreHistogram

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
COUNTS = """
    SUM(CASE WHEN r.company_score >= 9 THEN 1 ELSE 0 END),
    SUM(CASE WHEN r.company_score BETWEEN 7 AND 8 THEN 1 ELSE 0 END),
    SUM(CASE WHEN r.company_score <= 6 THEN 1 ELSE 0 END),
    SUM(CASE WHEN r.agent_score >= 9 THEN 1 ELSE 0 END),
    SUM(CASE WHEN r.agent_score BETWEEN 7 AND 8 THEN 1 ELSE 0 END),
    SUM(CASE WHEN r.agent_score <= 6 THEN 1 ELSE 0 END),
    COUNT(*)
"""
DRIVER_COLUMNS = (
    "dimension, value, day, department_key, channel, company_promoters, company_passives, company_detractors, "
    "agent_promoters, agent_passives, agent_detractors, responses"
)


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


def rebuild(*, since: date | None = None, until: date | None = None) -> None:
    """Rebuild histogram, funnel and drivers for the local days [since, until] (all when None)."""
    days = Range(since, until)
    with transaction.atomic(), connection.cursor() as cursor:
        _rebuild_histogram(cursor, days)
        _rebuild_funnel(cursor, days)
        _rebuild_drivers(cursor, days)


def _rebuild_histogram(cursor, days: Range) -> None:
    table = ScoreHistogram._meta.db_table
    day_where, day_params = days.on_day()
    cursor.execute(f"DELETE FROM {table} WHERE {day_where}", day_params)
    time_where, time_params = days.on_time("r.occurred_at")
    day_sql, day_sql_params = _day("r.occurred_at")
    columns = [f"{q}_{s}" for q in ("company", "agent") for s in SCORES]
    counts = ", ".join(
        f"SUM(CASE WHEN r.{q}_score = {s} THEN 1 ELSE 0 END)" for q in ("company", "agent") for s in SCORES
    )
    cursor.execute(
        f"INSERT INTO {table} (day, department_key, channel, {', '.join(columns)}) "
        f"SELECT {day_sql}, r.department_id, r.channel, {counts} FROM surveys_response r "
        f"WHERE {time_where} GROUP BY 1, 2, 3",
        [*day_sql_params, *time_params],
    )


def _rebuild_funnel(cursor, days: Range) -> None:
    table = FunnelBucket._meta.db_table
    day_where, day_params = days.on_day()
    cursor.execute(f"DELETE FROM {table} WHERE {day_where}", day_params)
    time_where, time_params = days.on_time("i.occurred_at")
    day_sql, day_sql_params = _day("i.occurred_at")
    cursor.execute(
        f"INSERT INTO {table} (day, department_key, agent_key, channel, interactions, suppressed, invited, "
        "opened, answered) "
        f"SELECT {day_sql}, i.department_id, i.agent_id, i.channel, COUNT(*), "
        "SUM(CASE WHEN v.status = 'suppressed' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN v.id IS NOT NULL AND v.status <> 'suppressed' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN v.opened_at IS NOT NULL OR v.status = 'answered' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN v.status = 'answered' THEN 1 ELSE 0 END) "
        "FROM surveys_interaction i LEFT JOIN surveys_invitation v ON v.interaction_id = i.id "
        f"WHERE {time_where} GROUP BY 1, 2, 3, 4",
        [*day_sql_params, *time_params],
    )


def _rebuild_drivers(cursor, days: Range) -> None:
    table = DriverBucket._meta.db_table
    day_where, day_params = days.on_day()
    cursor.execute(f"DELETE FROM {table} WHERE {day_where}", day_params)
    time_where, time_params = days.on_time("r.occurred_at")
    day_sql, day_sql_params = _day("r.occurred_at")
    source = "FROM surveys_response r JOIN surveys_interaction i ON i.id = r.interaction_id"
    for dimension, value_sql, join in (
        ("handle_time", _handle_band_sql(), ""),
        ("transfers", TRANSFERS_SQL, ""),
        ("resolved", RESOLVED_SQL, ""),
        ("tag", f"SUBSTR({_tag_value()}, 1, 60)", _tags_join()),
    ):
        cursor.execute(
            f"INSERT INTO {table} ({DRIVER_COLUMNS}) "
            f"SELECT '{dimension}', {value_sql}, {day_sql}, r.department_id, r.channel, {COUNTS} "
            f"{source} {join} WHERE {time_where} GROUP BY 2, 3, 4, 5",
            [*day_sql_params, *time_params],
        )
