"""Which days of the breakdowns (histogram, funnel, drivers, extra answers) are wrong, found
in one pass over the raw rows instead of aggregating and comparing every row of each table.

The same randomised linear fingerprints as the NPS buckets (analytics.fingerprints, whose
docstring gives the argument): per table and local day, modulo P = 2³¹ − 1,

    Σ over the day's rows  h(row key) × Σ over counters  count × w(counter)

with h a keyed hash and w random weights drawn afresh for every check. It is linear in the
counts, so the raw side needs no GROUP BY per row key: each interaction adds h(its funnel
key) × the weights of the funnel counters it raises; each response adds h(its histogram
key) × (the weights of its two scores), h(each of its driver keys: handle time, transfers,
resolution, each tag) × the weights of the NPS counters it raises, and h(each charted extra
answer's key) × w. One pass over interactions ⟕ invitations ⟕ responses computes all four
per day; each stored table is read once. Month rows are checked against the table's own day
rows (a month row is their sum). A wrong day passes unnoticed only if a random combination
vanishes mod P: with weights below 2²⁶ (so that the stored side's sums fit a bigint) a chance
below one in 67 million per wrong day and check, redrawn at the next check.

Measured on 1,000,000 answers (bench/nps_engine.py (a)): the check with everything right
took 4.4–4.8 s of CPU against 10.7 s for aggregating every table and comparing it row by row.

PostgreSQL only (hashtextextended, hashint8extended); elsewhere the rebuild compares rows.
"""

import secrets
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import connection

from analytics.breakdown_sql import (
    FUNNEL_CONDITIONS,
    FUNNEL_COUNTERS,
    RESOLVED_SQL,
    TAG_LENGTH,
    TRANSFERS_SQL,
    extra_answers_sql,
    handle_band_sql,
)
from analytics.models import BUCKET_COUNTERS
from analytics.months import month_sql, month_start, next_month

PRIME = 2**31 - 1
EPOCH = "DATE '2000-01-01'"
WEIGHT_BOUND = 2**26
SEP = "chr(31)"  # between the parts of a text key: no key part contains it


@dataclass
class TableCheck:
    """What the check found wrong in one table: days whose day rows differ from the raw rows,
    and months whose month rows differ from the day rows."""

    days: set[date] = field(default_factory=set)
    months: set[date] = field(default_factory=set)


@dataclass(frozen=True)
class Spec:
    """How a table's rows are fingerprinted from what is stored: its day column is `day`; the
    key hash is built from the stored columns by `key_hash(seed_sql, day_sql)`; `counters`
    are its counter columns; `row_exists` is the counter that is never 0 in a real row."""

    table: str
    counters: list[str]
    key_hash: object
    row_exists: str
    has_months: bool


def h(sql: str) -> str:
    return f"(({sql}) & {PRIME})"


def _day_number(day_sql: str) -> str:
    return f"({day_sql} - {EPOCH})"


def base_hash(seed: int, day_sql: str, channel: str, department: str) -> str:
    """The hash of (day, channel, department), every key below starts with it."""
    return f"hashint8extended({department}, hashtextextended({channel}, {seed} + {_day_number(day_sql)}))"


# A driver row's key: its value hashed under the base hash XOR a constant per dimension
# (any other dimension name hashed itself), so no text is built per answer.
DIMENSION_SEEDS = {"handle_time": 0x5EED01, "transfers": 0x5EED02, "resolved": 0x5EED03, "tag": 0x5EED04}


def driver_hash(dimension_sql: str, value_sql: str, base: str) -> str:
    if dimension_sql.startswith("'"):
        seed = DIMENSION_SEEDS[dimension_sql.strip("'")]
    else:
        cases = " ".join(f"WHEN '{name}' THEN {seed}" for name, seed in DIMENSION_SEEDS.items())
        seed = f"CASE {dimension_sql} {cases} ELSE hashtext({dimension_sql}) END"
    return f"hashtextextended({value_sql}, ({base}) # ({seed}))"


def text_hash(parts: list[str], base: str) -> str:
    return f"hashtextextended(concat_ws({SEP}, {', '.join(parts)}), {base})"


def weighted_sum(counters: list[str], w: dict[str, int]) -> str:
    """Σ count × w(counter) mod P: a count is below 2³¹ and a weight below 2²⁶, so up to 32
    products sum below 2⁶² without overflowing a bigint."""
    assert len(counters) <= 32
    return f"MOD({' + '.join(f'{c}::bigint * {w[c]}' for c in counters)}, {PRIME})"


def weights(names: list[str]) -> dict[str, int]:
    """Random weights below 2²⁶: a wrong count goes unnoticed only if a random combination
    of them vanishes modulo P, a chance below 2⁻²⁶ per wrong day and check."""
    return {name: 1 + secrets.randbelow(WEIGHT_BOUND - 1) for name in names}


def stored_fingerprints(cursor, spec: Spec, w: dict[str, int], seed: int, since, until, check: TableCheck):
    """Per day: the fingerprint of the stored day rows; per month: the month rows expected
    from the day rows minus the month rows (0 when right). Rows that add nothing (a zero
    row) mark their day or month wrong on their own."""
    where, params = [], []
    if since:
        where.append("day >= %s")
        params.append(month_start(since))
    if until:
        where.append("day < %s")
        params.append(next_month(until))
    counts = weighted_sum(spec.counters, w)
    day_key = h(spec.key_hash(seed, "day"))
    zero = f"({spec.row_exists}) = 0"
    if spec.has_months:
        month_key = h(spec.key_hash(seed, month_sql("day")))
        month_term = f"CASE grain WHEN 'day' THEN {month_key} ELSE {PRIME} - {day_key} END"
        day_term = f"CASE grain WHEN 'day' THEN {day_key} ELSE 0 END"
        zero_day, zero_month = f"{zero} AND grain = 'day'", f"{zero} AND grain <> 'day'"
    else:
        month_term, day_term, zero_day, zero_month = "0", day_key, zero, "FALSE"
    cursor.execute(
        f"SELECT day, SUM({counts} * {day_term}), SUM({counts} * ({month_term})), "
        f"SUM(CASE WHEN {zero_day} THEN 1 ELSE 0 END), SUM(CASE WHEN {zero_month} THEN 1 ELSE 0 END) "
        f"FROM {spec.table} {('WHERE ' + ' AND '.join(where)) if where else ''} GROUP BY day",
        params,
    )
    days, months, zero_days = {}, {}, set()
    for day, day_sum, month_sum, zero_day_rows, zero_month_rows in cursor.fetchall():
        days[day] = int(day_sum or 0) % PRIME
        first = month_start(day)
        months[first] = (months.get(first, 0) + int(month_sum or 0)) % PRIME
        if zero_day_rows:
            zero_days.add(day)
        if zero_month_rows:
            check.months.add(first)
    check.months |= {month for month, residue in months.items() if residue}
    return days, zero_days


def local_day(column: str) -> tuple[str, list]:
    sql, params = connection.ops.datetime_cast_date_sql(column, (), settings.TIME_ZONE)
    return sql, list(params)


def supported() -> bool:
    return connection.vendor == "postgresql"


def _specs() -> dict[str, Spec]:
    from analytics.models import HISTOGRAM_COLUMNS, DriverBucket, ExtraAnswerBucket, FunnelBucket, ScoreHistogram

    def histogram_key(seed: int, day: str) -> str:
        return base_hash(seed, day, "channel", "department_key")

    def funnel_key(seed: int, day: str) -> str:
        return f"hashint8extended(agent_key, {base_hash(seed, day, 'channel', 'department_key')})"

    def driver_key(seed: int, day: str) -> str:
        return driver_hash("dimension", "value", base_hash(seed, day, "channel", "department_key"))

    def extra_key(seed: int, day: str) -> str:
        agent = f"hashint8extended(agent_key, {base_hash(seed, day, 'channel', 'department_key')})"
        return text_hash(["question_key", "kind", "value"], agent)

    return {
        "histogram": Spec(
            ScoreHistogram._meta.db_table,
            HISTOGRAM_COLUMNS,
            histogram_key,
            " + ".join(c for c in HISTOGRAM_COLUMNS if c.startswith("company_")),
            has_months=False,
        ),
        "funnel": Spec(FunnelBucket._meta.db_table, FUNNEL_COUNTERS, funnel_key, "interactions", has_months=True),
        "drivers": Spec(DriverBucket._meta.db_table, BUCKET_COUNTERS, driver_key, "responses", has_months=True),
        "extra": Spec(ExtraAnswerBucket._meta.db_table, ["answers"], extra_key, "answers", has_months=False),
    }


def find_mismatches(cursor, *, since: date | None, until: date | None) -> dict[str, TableCheck]:
    """Per breakdown table (by its table name): the local days in [since, until] (all when
    None) whose day rows differ from the raw rows, and the months whose month rows differ
    from the day rows."""
    specs = _specs()
    seed = secrets.randbits(60)
    w = {name: weights(spec.counters) for name, spec in specs.items()}
    fresh = _raw_fingerprints(cursor, seed, w, since, until)
    found = {}
    for name, spec in specs.items():
        check = TableCheck()
        stored, zero_days = stored_fingerprints(cursor, spec, w[name], seed, since, until, check)
        raw = fresh[name]
        check.days = {
            day
            for day in raw.keys() | stored.keys()
            if (since is None or day >= since)
            and (until is None or day <= until)
            and (raw.get(day, 0) != stored.get(day, 0) or day in zero_days)
        }
        found[spec.table] = check
    return found


def _raw_fingerprints(cursor, seed: int, w: dict[str, dict[str, int]], since, until) -> dict[str, dict[date, int]]:
    """One pass over interactions ⟕ invitations ⟕ responses: per local day, the fingerprint
    each table's day rows must have. The funnel counts interactions by their day, the other
    tables responses by theirs."""
    from analytics.breakdowns import Range

    days = Range(since, until)
    i_in, i_params = days.on_time("i.occurred_at")
    r_in, r_params = days.on_time("r.occurred_at")
    funnel_weight = " + ".join(
        f"CASE WHEN {when} THEN {w['funnel'][name]}::bigint ELSE 0 END" for name, when in FUNNEL_CONDITIONS.items()
    )
    wh = w["histogram"]
    company = ", ".join(str(wh[f"company_{s}"]) for s in range(11))
    agent = ", ".join(str(wh[f"agent_{s}"]) for s in range(11))
    wd = w["drivers"]
    nps_weight = (
        f"CASE WHEN company_score >= 9 THEN {wd['company_promoters']}::bigint "
        f"WHEN company_score >= 7 THEN {wd['company_passives']}::bigint ELSE {wd['company_detractors']}::bigint END"
        f" + CASE WHEN agent_score >= 9 THEN {wd['agent_promoters']}::bigint "
        f"WHEN agent_score >= 7 THEN {wd['agent_passives']}::bigint ELSE {wd['agent_detractors']}::bigint END"
        f" + {wd['responses']}::bigint"
    )

    def tag_hash(tag: str) -> str:
        return h(driver_hash("'tag'", f"SUBSTR({tag}, 1, {TAG_LENGTH})", "rb"))

    # Most interactions carry one or two tags: hashed in place, the rest by a subquery.
    tags = (
        f"CASE jsonb_array_length(tags) WHEN 0 THEN 0 WHEN 1 THEN {tag_hash('tags ->> 0')} "
        f"WHEN 2 THEN {tag_hash('tags ->> 0')} + {tag_hash('tags ->> 1')} "
        f"ELSE (SELECT SUM({tag_hash('t.tag')}) FROM jsonb_array_elements_text(tags) AS t(tag)) END"
    )
    drivers = " + ".join(
        [
            h(driver_hash("'handle_time'", "handle", "rb")),
            h(driver_hash("'transfers'", "transfers", "rb")),
            h(driver_hash("'resolved'", "resolved", "rb")),
            tags,
        ]
    )
    joins, key_sql, kind_sql, value_sql = extra_answers_sql()
    extra = (
        "CASE WHEN extra_answers = '{}'::jsonb OR survey_version_id IS NULL THEN 0 ELSE (SELECT COALESCE(SUM("
        f"{h(text_hash([key_sql, kind_sql, value_sql], 'hashint8extended(agent_id, rb)'))}), 0) "
        f"FROM (SELECT extra_answers, survey_version_id) AS r {joins}) END"
    )
    # OFFSET 0 keeps each level a subquery, so a hash computed once per row is not inlined
    # (and recomputed) into every expression that uses it.
    i_day, i_day_params = local_day("i.occurred_at")
    r_day, r_day_params = local_day("r.occurred_at")
    rows = (
        f"SELECT {i_day} AS i_day, {r_day} AS r_day, "
        f"CASE WHEN {i_in} THEN MOD({funnel_weight}, {PRIME}) ELSE 0 END AS funnel_weight, "
        "i.agent_id AS i_agent, i.channel AS i_channel, i.department_id AS i_department, "
        f"r.id IS NOT NULL AND ({r_in}) AS answered, r.company_score AS company_score, r.agent_score AS agent_score, "
        "r.agent_id, r.channel, r.department_id, r.extra_answers, r.survey_version_id, i.tags, "
        f"{handle_band_sql()} AS handle, {TRANSFERS_SQL} AS transfers, {RESOLVED_SQL} AS resolved "
        "FROM surveys_interaction i LEFT JOIN surveys_invitation v ON v.interaction_id = i.id "
        f"LEFT JOIN surveys_response r ON r.interaction_id = i.id WHERE ({i_in}) OR ({r_in}) OFFSET 0"
    )
    with_ib = f"SELECT x.*, {base_hash(seed, 'i_day', 'i_channel', 'i_department')} AS ib FROM ({rows}) AS x OFFSET 0"
    # An answer's day, channel and department are nearly always its interaction's.
    keyed = (
        "SELECT y.*, CASE WHEN r_day = i_day AND channel = i_channel AND department_id = i_department THEN ib "
        f"ELSE {base_hash(seed, 'r_day', 'channel', 'department_id')} END AS rb FROM ({with_ib}) AS y OFFSET 0"
    )
    # Grouped by both days (an answer's day is nearly always its interaction's: a few hundred
    # groups, hashed, not sorted, whatever the planner guesses); the funnel is then summed by
    # the one, the rest by the other.
    cursor.execute("SET LOCAL enable_sort = off")
    cursor.execute(
        "SELECT i_day, r_day, "
        f"SUM({h('hashint8extended(i_agent, ib)')} * funnel_weight), "
        f"SUM(CASE WHEN answered THEN {h('rb')} * MOD((ARRAY[{company}]::bigint[])[company_score + 1] "
        f"+ (ARRAY[{agent}]::bigint[])[agent_score + 1], {PRIME}) ELSE 0 END), "
        f"SUM(CASE WHEN answered THEN MOD({drivers}, {PRIME}) * MOD({nps_weight}, {PRIME}) ELSE 0 END), "
        f"SUM(CASE WHEN answered THEN MOD(({extra}) * {w['extra']['answers']}::bigint, {PRIME}) ELSE 0 END) "
        f"FROM ({keyed}) AS k GROUP BY i_day, r_day",
        [*i_day_params, *r_day_params, *i_params, *r_params, *i_params, *r_params],
    )
    rows = cursor.fetchall()
    cursor.execute("SET LOCAL enable_sort = on")
    fresh = {"histogram": {}, "funnel": {}, "drivers": {}, "extra": {}}

    def add(name: str, day: date, value) -> None:
        fresh[name][day] = (fresh[name].get(day, 0) + int(value or 0)) % PRIME

    for i_day, r_day, funnel, histogram, drivers_sum, extra_sum in rows:
        add("funnel", i_day, funnel)
        if r_day is not None:
            add("histogram", r_day, histogram)
            add("drivers", r_day, drivers_sum)
            add("extra", r_day, extra_sum)
    return fresh
