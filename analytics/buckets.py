"""The only writer of NpsBucket: full or ranged rebuilds, and incremental recomputes.

Both recompute counts from surveys.Response (the source of truth) with set-based SQL, so
running anything twice, or concurrently, cannot double-count: a bucket is always replaced
by what the responses say, never incremented. Writers serialise on one advisory lock
(PostgreSQL); SQLite serialises writers by itself.

Agent-scope rows are aggregated from responses; department rows are sums of agent rows,
company rows sums of department rows, agent-month rows sums of an agent's rows over a
calendar month. A long rebuild first asks analytics.fingerprints which days are wrong.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from analytics import fingerprints
from analytics.bulk_load import filling_empty, use_aggregate_memory
from analytics.models import BUCKET_COUNTERS, DirtyBucket, NpsBucket, Scope
from analytics.months import month_sql, month_start, next_month
from analytics.sync import SyncResult, sync

BUCKET_TABLE = NpsBucket._meta.db_table
DIRTY_TABLE = DirtyBucket._meta.db_table
RESPONSE_TABLE = "surveys_response"
WRITE_LOCK_ID = 0x4E5053  # "NPS"
SHORT_RANGE_DAYS = 31
COUNTERS = BUCKET_COUNTERS
KEY = ["scope", "day", "department_key", "agent_key", "channel"]
# COALESCE: recompute() aggregates one key without GROUP BY, and SUM over no rows is NULL
# (a marked key whose answers are gone must become a zero row, which is then deleted).
COUNT_EXPRESSIONS = [
    "COALESCE(SUM(CASE WHEN company_score >= 9 THEN 1 ELSE 0 END), 0)",
    "COALESCE(SUM(CASE WHEN company_score BETWEEN 7 AND 8 THEN 1 ELSE 0 END), 0)",
    "COALESCE(SUM(CASE WHEN company_score <= 6 THEN 1 ELSE 0 END), 0)",
    "COALESCE(SUM(CASE WHEN agent_score >= 9 THEN 1 ELSE 0 END), 0)",
    "COALESCE(SUM(CASE WHEN agent_score BETWEEN 7 AND 8 THEN 1 ELSE 0 END), 0)",
    "COALESCE(SUM(CASE WHEN agent_score <= 6 THEN 1 ELSE 0 END), 0)",
    "COUNT(*)",
]
COUNT_SQL = ", ".join(COUNT_EXPRESSIONS)
NAMED_COUNT_SQL = ", ".join(f"{sql} AS {name}" for sql, name in zip(COUNT_EXPRESSIONS, COUNTERS, strict=True))
UPSERT_SQL = f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in COUNTERS)


@dataclass(frozen=True)
class BucketKey:
    """An agent-scope bucket: the agent, the department snapshot, the channel, the day."""

    department_key: int
    agent_key: int
    channel: str
    day: date


@dataclass(frozen=True)
class RebuildResult:
    since: date | None
    until: date | None
    buckets: int
    seconds: float
    written: int = 0  # rows inserted, changed or deleted: 0 when everything was right


def local_day(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def day_start(day: date) -> datetime:
    """The first instant of a local day, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _instant(moment: datetime):
    """A datetime as raw SQL must receive it: SQLite stores naive UTC text, and compares an
    aware value's ISO text (with its offset) as a string, which misplaces day boundaries."""
    return connection.ops.adapt_datetimefield_value(moment)


def _day_sql() -> tuple[str, tuple]:
    return connection.ops.datetime_cast_date_sql("occurred_at", (), settings.TIME_ZONE)


def _write_lock(cursor) -> None:
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK_ID])


def _day_range(since: date | None, until: date | None) -> tuple[str, list]:
    """SQL conditions (leading " AND ") on the bucket `day` for the days [since, until]."""
    sql, params = "", []
    if since:
        sql += " AND day >= %s"
        params.append(since)
    if until:
        sql += " AND day <= %s"
        params.append(until)
    return sql, params


def rebuild(*, since: date | None = None, until: date | None = None, exact: bool = False) -> RebuildResult:
    """Make every bucket of the local days [since, until] (all days when None) equal to the
    counts aggregated from the responses, in one transaction: readers see the previous
    figures until it commits, and an interrupted rebuild changes nothing.

    On PostgreSQL, over more than a month, the days that need it are found first by per-day
    fingerprints (analytics.fingerprints), and only those are compared row by row; `exact`
    compares every row. Either way rows already right are left alone (analytics.sync): a
    reconcile that finds nothing to fix writes nothing, one that finds a few wrong buckets
    rewrites those."""
    started = timezone.now()
    found = None if exact else _check(since, until)
    with transaction.atomic(), connection.cursor() as cursor:
        _write_lock(cursor)
        use_aggregate_memory(cursor)
        in_range, range_params = _day_range(since, until)
        with filling_empty(cursor, BUCKET_TABLE) as empty:
            if empty:
                written = _fill_days(cursor, since, until)
        if not empty:
            written = _sync_days(cursor, since, until) if found is None else _sync_mismatches(cursor, found)
        cursor.execute(f"SELECT COUNT(*) FROM {BUCKET_TABLE} WHERE 1=1{in_range}", range_params)
        buckets = cursor.fetchone()[0]
    seconds = (timezone.now() - started).total_seconds()
    return RebuildResult(since=since, until=until, buckets=buckets, seconds=seconds, written=written.written)


def _check(since: date | None, until: date | None) -> fingerprints.Mismatches | None:
    """Over more than a month on PostgreSQL, with buckets stored: the days whose buckets are
    wrong, by fingerprints (None: compare every row). Found before the write lock is taken,
    so the per-answer flush, which needs that lock, is not held up for the length of the
    check (seconds at millions of answers); the rows of the days found are then compared
    under the lock, so an answer flushed in between is neither lost nor counted twice."""
    if not fingerprints.supported() or _short(since, until):
        return None
    with transaction.atomic(), connection.cursor() as cursor:
        use_aggregate_memory(cursor)
        if not _any_bucket(cursor, since, until):
            return None
        return fingerprints.find_mismatches(cursor, _responses(since, until), since=since, until=until)


def _any_bucket(cursor, since: date | None, until: date | None) -> bool:
    """Whether any bucket is stored in the days [since, until]; into an empty range every
    row is written anyway, so fingerprints would only add a pass over the responses."""
    in_range, range_params = _day_range(since, until)
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {BUCKET_TABLE} WHERE 1=1{in_range})", range_params)
    return cursor.fetchone()[0]


def _short(since: date | None, until: date | None) -> bool:
    """A range of a month or less (the frequent reconciles of the last few days) is compared
    row by row: that is already cheap, and the fingerprints would read whole months."""
    return since is not None and ((until or timezone.localdate()) - since).days < SHORT_RANGE_DAYS


def _responses(since: date | None, until: date | None) -> fingerprints.Responses:
    """The responses of the local days [since, until], as SQL."""
    day_sql, day_params = _day_sql()
    where, where_params = [], []
    if since:
        where.append("occurred_at >= %s")
        where_params.append(_instant(day_start(since)))
    if until:
        where.append("occurred_at < %s")
        where_params.append(_instant(day_start(until + timedelta(days=1))))
    return fingerprints.Responses(
        day_sql=day_sql,
        day_params=tuple(day_params),
        where=("WHERE " + " AND ".join(where)) if where else "",
        where_params=where_params,
    )


def day_spans(days: Iterable[date], *, gap: int = 7, most: int = 32) -> list[tuple[date, date]]:
    """The days as [first, last] spans, neighbours up to `gap` days apart sharing one; a
    single span from the first to the last day when that would make more than `most`."""
    spans: list[tuple[date, date]] = []
    for day in sorted(days):
        if spans and (day - spans[-1][1]).days <= gap:
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    if len(spans) > most:
        return [(spans[0][0], spans[-1][1])]
    return spans


def _sync_mismatches(cursor, found: fingerprints.Mismatches) -> SyncResult:
    """Compare row by row the days the fingerprints found wrong (with the agent months over
    them), then the agent months found wrong on their own."""
    written, months_done = SyncResult(), set()
    for first, last in day_spans(found.days):
        written += _sync_days(cursor, first, last)
        month = month_start(first)
        while month <= last:
            months_done.add(month)
            month = next_month(month)
    for month in sorted(found.months - months_done):
        written += _sync_agent_months(cursor, month, next_month(month) - timedelta(days=1))
    return written


def _sync_days(cursor, since: date | None, until: date | None) -> SyncResult:
    """Agent rows of the days [since, until] from the responses, then the rollups."""
    responses = _responses(since, until)
    in_range, range_params = _day_range(since, until)
    written = _sync_scope(
        cursor,
        Scope.AGENT,
        f"SELECT 'agent' AS scope, {responses.day_sql} AS day, department_id AS department_key, "
        f"agent_id AS agent_key, channel, {NAMED_COUNT_SQL} FROM {RESPONSE_TABLE} {responses.where} "
        "GROUP BY 2, 3, 4, 5",
        [*responses.day_params, *responses.where_params],
        in_range,
        range_params,
    )
    return written + _sync_rollups(cursor, since, until)


def _fill_days(cursor, since: date | None, until: date | None) -> SyncResult:
    """Into an empty table: the agent, department and company rows of the days [since, until]
    in one pass over the responses (GROUPING SETS; a rollup row is the sum of the rows below
    it, exactly as _sync_rollups makes it), then the agent months from the agent rows. Not
    sorted: the grouping already writes the rows day by day, and a sort of every row by the
    key costs more than the aggregate (measured at 1M answers)."""
    responses = _responses(since, until)
    columns = ", ".join(KEY + COUNTERS)
    cursor.execute(
        f"INSERT INTO {BUCKET_TABLE} ({columns}) "
        "SELECT CASE GROUPING(department_id, agent_id) WHEN 0 THEN 'agent' WHEN 1 THEN 'department' "
        "ELSE 'company' END AS scope, day, COALESCE(department_id, 0), COALESCE(agent_id, 0), channel, "
        f"{COUNT_SQL} FROM (SELECT {responses.day_sql} AS day, department_id, agent_id, channel, company_score, "
        f"agent_score FROM {RESPONSE_TABLE} {responses.where}) AS r "
        "GROUP BY GROUPING SETS ((day, department_id, agent_id, channel), (day, department_id, channel), "
        "(day, channel))",
        [*responses.day_params, *responses.where_params],
    )
    return SyncResult(inserted=cursor.rowcount) + _sync_agent_months(cursor, since, until)


def _sync_scope(cursor, scope: str, source_sql: str, source_params: list, in_range: str, range_params: list):
    return sync(
        cursor,
        table=BUCKET_TABLE,
        key=KEY,
        counters=COUNTERS,
        source_sql=source_sql,
        source_params=source_params,
        target_where=f"scope = '{scope}'{in_range}",
        target_params=range_params,
    )


SUMS = ", ".join(f"SUM({c}) AS {c}" for c in COUNTERS)


def _sync_rollups(cursor, since: date | None, until: date | None) -> SyncResult:
    """Department rows from the agent rows, company rows from the department rows, and the
    agent months from the agent rows of every month the days touch (whole months)."""
    in_range, range_params = _day_range(since, until)
    written = _sync_scope(
        cursor,
        Scope.DEPARTMENT,
        f"SELECT 'department' AS scope, day, department_key, 0 AS agent_key, channel, {SUMS} FROM {BUCKET_TABLE} "
        f"WHERE scope = 'agent'{in_range} GROUP BY day, department_key, channel",
        range_params,
        in_range,
        range_params,
    )
    written += _sync_scope(
        cursor,
        Scope.COMPANY,
        f"SELECT 'company' AS scope, day, 0 AS department_key, 0 AS agent_key, channel, {SUMS} FROM {BUCKET_TABLE} "
        f"WHERE scope = 'department'{in_range} GROUP BY day, channel",
        range_params,
        in_range,
        range_params,
    )
    return written + _sync_agent_months(cursor, since, until)


def _sync_agent_months(cursor, since: date | None, until: date | None) -> SyncResult:
    """The agent months of every month the days [since, until] touch, from the agent rows."""
    months, month_params = _day_range(since and month_start(since), until and next_month(until) - timedelta(days=1))
    month = month_sql("day")
    return _sync_scope(
        cursor,
        Scope.AGENT_MONTH,
        f"SELECT 'agentmonth' AS scope, {month} AS day, department_key, agent_key, channel, {SUMS} "
        f"FROM {BUCKET_TABLE} WHERE scope = 'agent'{months} GROUP BY {month}, department_key, agent_key, channel",
        month_params,
        months,
        month_params,
    )


def recompute(keys: Iterable[BucketKey]) -> int:
    """Recompute the given agent buckets and the department and company buckets above
    them from the responses. Idempotent; returns the number of agent buckets touched."""
    keys = sorted(set(keys), key=lambda k: (k.day, k.department_key, k.agent_key, k.channel))
    if not keys:
        return 0
    columns = ", ".join(KEY + COUNTERS)
    with transaction.atomic(), connection.cursor() as cursor:
        _write_lock(cursor)
        for key in keys:
            cursor.execute(
                f"INSERT INTO {BUCKET_TABLE} ({columns}) "
                f"SELECT 'agent', %s, %s, %s, %s, {COUNT_SQL} FROM {RESPONSE_TABLE} "
                "WHERE department_id = %s AND agent_id = %s AND channel = %s "
                f"AND occurred_at >= %s AND occurred_at < %s {UPSERT_SQL}",
                [
                    key.day,
                    key.department_key,
                    key.agent_key,
                    key.channel,
                    key.department_key,
                    key.agent_key,
                    key.channel,
                    _instant(day_start(key.day)),
                    _instant(day_start(key.day + timedelta(days=1))),
                ],
            )
        for day, department_key, channel in sorted({(k.day, k.department_key, k.channel) for k in keys}):
            _upsert_sum(cursor, Scope.DEPARTMENT, day, department_key, channel, source_scope=Scope.AGENT)
        for day, channel in sorted({(k.day, k.channel) for k in keys}):
            _upsert_sum(cursor, Scope.COMPANY, day, 0, channel, source_scope=Scope.DEPARTMENT)
        for month, department_key, agent_key, channel in sorted(
            {(month_start(k.day), k.department_key, k.agent_key, k.channel) for k in keys}
        ):
            _upsert_month(cursor, month, department_key, agent_key, channel)
        days = sorted({k.day for k in keys} | {month_start(k.day) for k in keys})
        cursor.execute(
            f"DELETE FROM {BUCKET_TABLE} WHERE responses = 0 AND day IN ({', '.join(['%s'] * len(days))})",
            days,
        )
    return len(keys)


def _upsert_month(cursor, month: date, department_key: int, agent_key: int, channel: str) -> None:
    columns = ", ".join(KEY + COUNTERS)
    cursor.execute(
        f"INSERT INTO {BUCKET_TABLE} ({columns}) SELECT 'agentmonth', %s, %s, %s, %s, "
        + ", ".join(f"COALESCE(SUM({c}), 0)" for c in COUNTERS)
        + f" FROM {BUCKET_TABLE} WHERE scope = 'agent' AND department_key = %s AND agent_key = %s "
        f"AND channel = %s AND day >= %s AND day < %s {UPSERT_SQL}",
        [month, department_key, agent_key, channel, department_key, agent_key, channel, month, next_month(month)],
    )


def _upsert_sum(cursor, scope: str, day: date, department_key: int, channel: str, *, source_scope: str) -> None:
    columns = ", ".join(KEY + COUNTERS)
    match_department = "AND department_key = %s " if scope == Scope.DEPARTMENT else ""
    params = [scope, day, department_key, channel, source_scope, day, channel]
    if match_department:
        params.append(department_key)
    cursor.execute(
        f"INSERT INTO {BUCKET_TABLE} ({columns}) "
        f"SELECT %s, %s, %s, 0, %s, "
        + ", ".join(f"COALESCE(SUM({c}), 0)" for c in COUNTERS)
        + f" FROM {BUCKET_TABLE} WHERE scope = %s AND day = %s AND channel = %s {match_department}{UPSERT_SQL}",
        params,
    )


# --- Dirty keys: what new answers touched, coalesced until the next flush ------------------


def mark_dirty(*, department_id: int, agent_id: int, channel: str, occurred_at: datetime) -> None:
    """Remember that this agent bucket needs a recompute. A repeated mark bumps the version,
    so a flush that read the older version does not clear it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {DIRTY_TABLE} (department_key, agent_key, channel, day, version, marked_at) "
            "VALUES (%s, %s, %s, %s, 1, %s) "
            "ON CONFLICT (day, department_key, agent_key, channel) "
            f"DO UPDATE SET version = {DIRTY_TABLE}.version + 1, marked_at = excluded.marked_at",
            [department_id, agent_id, channel, local_day(occurred_at), timezone.now()],
        )


def flush_dirty(*, limit: int = 5000) -> list[BucketKey]:
    """Recompute the buckets new answers touched; returns the agent buckets recomputed."""
    marks = list(
        DirtyBucket.objects.order_by("id").values_list(
            "id", "version", "department_key", "agent_key", "channel", "day"
        )[:limit]
    )
    if not marks:
        return []
    keys = [BucketKey(d, a, c, day) for _id, _v, d, a, c, day in marks]
    recompute(keys)
    with connection.cursor() as cursor:
        for start in range(0, len(marks), 500):
            chunk = marks[start : start + 500]
            cursor.execute(
                f"DELETE FROM {DIRTY_TABLE} WHERE " + " OR ".join(["(id = %s AND version = %s)"] * len(chunk)),
                [value for mark_id, version, *_ in chunk for value in (mark_id, version)],
            )
    return keys
