"""Which days of the NPS buckets are wrong, found without comparing every stored row.

A reconcile nearly always finds the buckets right: the per-answer flush keeps them fresh.
Proving that row by row means aggregating the responses and joining the result against
every stored bucket, about three times the cost of the aggregate alone. Instead both sides
are reduced to one number per day, a randomised linear fingerprint, and only the days whose
numbers differ are rebuilt row by row (analytics.buckets.rebuild).

The fingerprint of a set of bucket rows is, modulo the prime P = 2³¹ − 1,

    Σ over rows  h(row key) × Σ over counters  count × w(counter)

with h a keyed 64-bit hash of the row's key (day, department, agent, channel) and w seven
random weights, both drawn afresh for every check. It is linear in the counts, so the
responses side needs no GROUP BY per bucket: each response adds h(its key) × (the weights of
the three counters it raises), summed per day. A rollup row (department, company, agent
month) is a sum of agent rows, so its expected fingerprint comes from the stored agent rows
with the rollup's key hash, in the same pass over the stored table.

If a day's stored rows differ from what the responses say, in any count, any key, a missing
or an extra row, the two fingerprints differ unless a random linear combination happens to
vanish modulo P (the weights of the wrong counts cancel, or the key hashes do): a chance of
about 2/P, one in a billion, per wrong day and check, drawn independently each time, so a
day missed once is found by the next reconcile. Rows that add nothing to a fingerprint
(no responses, or a key a rollup cannot have) are looked for separately.
`rebuild(exact=True)` compares every row instead.

PostgreSQL only (hashint8extended, hashtextextended: PostgreSQL ≥ 11); elsewhere the
rebuild compares rows.
"""

import secrets
from dataclasses import dataclass
from datetime import date

from django.db import connection

from analytics.models import BUCKET_COUNTERS as COUNTERS
from analytics.models import NpsBucket
from analytics.months import month_sql, month_start, next_month
from surveys.models import Response

PRIME = 2**31 - 1
EPOCH = "DATE '2000-01-01'"


@dataclass(frozen=True)
class Mismatches:
    """What a check found wrong: the days whose agent, department or company rows differ
    from the responses, and the months whose agent-month rows differ from the agent rows."""

    days: frozenset[date]
    months: frozenset[date]


def supported() -> bool:
    return connection.vendor == "postgresql"


def _key_hash(seed: int, day: str, channel: str, department: str | None = None, agent: str | None = None) -> str:
    """SQL for the keyed hash of a bucket key: the channel and the day, then the department,
    then the agent (each level hashed into the previous one, so no key pair collides by
    construction)."""
    sql = f"hashtextextended({channel}, {seed} + ({day} - {EPOCH}))"
    if department:
        sql = f"hashint8extended({department}, {sql})"
    if agent:
        sql = f"hashint8extended({agent}, {sql})"
    return sql


@dataclass(frozen=True)
class Responses:
    """The responses of the days checked, as SQL: the local day expression over
    `occurred_at` and the WHERE clause (empty, or leading "WHERE ") selecting those days."""

    day_sql: str
    day_params: tuple
    where: str
    where_params: list


def find_mismatches(cursor, responses: Responses, *, since: date | None, until: date | None) -> Mismatches:
    """Compare the buckets of the local days [since, until] (all when None) with the
    `responses` of those days, and the agent months of every month those days touch with
    the agent rows."""
    seed = secrets.randbits(62)
    weights = [1 + secrets.randbelow(PRIME - 1) for _ in COUNTERS]
    fresh = _response_fingerprints(cursor, seed, weights, responses)
    stored = _stored_fingerprints(cursor, seed, weights, since, until)
    days = {
        day
        for day in fresh.keys() | stored.days.keys()
        if (since is None or day >= since)
        and (until is None or day <= until)
        and (fresh.get(day, 0) != stored.days.get(day, 0) or day in stored.malformed_days)
    }
    months = {month for month, residue in stored.months.items() if residue} | stored.malformed_months
    return Mismatches(days=frozenset(days), months=frozenset(months))


def _response_fingerprints(cursor, seed: int, weights: list[int], responses: Responses) -> dict[date, int]:
    """Per local day: Σ over its responses of h(agent key) × the weights of the counters the
    response raises (one company category, one agent category, responses)."""
    w = weights
    counters = (
        f"(CAST(CASE WHEN company_score >= 9 THEN {w[0]} WHEN company_score >= 7 THEN {w[1]} ELSE {w[2]} END AS bigint)"
        f" + CASE WHEN agent_score >= 9 THEN {w[3]} WHEN agent_score >= 7 THEN {w[4]} ELSE {w[5]} END"
        f" + {w[6]})"
    )
    key_hash = _key_hash(seed, "day", "channel", "department_id", "agent_id")
    # Weights < P; reduced modulo P, `counters` times a hash masked to 31 bits stays below
    # 2⁶²; SUM over bigint accumulates exactly (numeric result).
    cursor.execute(
        f"SELECT day, SUM(MOD(counters, {PRIME}) * ({key_hash} & {PRIME})) FROM ("
        f"SELECT {responses.day_sql} AS day, department_id, agent_id, channel, {counters} AS counters "
        f"FROM {Response._meta.db_table} {responses.where}) AS r GROUP BY day",
        [*responses.day_params, *responses.where_params],
    )
    return {day: int(total) % PRIME for day, total in cursor.fetchall()}


@dataclass
class _Stored:
    # day → fingerprint of its agent rows, plus (department rows expected from the agent rows
    # − the department rows) and the same for the company rows: equal to the responses'
    # fingerprint when the agent rows are right and the rollups agree with them.
    days: dict[date, int]
    # month → agent-month rows expected from the agent rows − the agent-month rows: 0 when right.
    months: dict[date, int]
    # Days (months) holding a row that must not exist whatever the counts: no responses, or a
    # key the rollup does not have (a company row with a department, a department row with
    # an agent). Such rows add nothing the fingerprints would see.
    malformed_days: set[date]
    malformed_months: set[date]


def _stored_fingerprints(cursor, seed: int, weights: list[int], since, until) -> _Stored:
    """One pass over the stored buckets of the whole months the days touch."""
    where, params = [], []
    if since:
        where.append("day >= %s")
        params.append(month_start(since))
    if until:
        where.append("day < %s")
        params.append(next_month(until))
    # Counts and weights are below 2³¹, so a product is below 2⁶² and two of them below 2⁶³.
    terms = [f"{c}::bigint * {w}" for c, w in zip(COUNTERS, weights, strict=True)]
    p = PRIME
    counts = (
        f"MOD(MOD({terms[0]} + {terms[1]}, {p}) + MOD({terms[2]} + {terms[3]}, {p}) "
        f"+ MOD({terms[4]} + {terms[5]}, {p}) + {terms[6]}, {p})"
    )
    by_day = _key_hash(seed, "day", "channel")
    by_department = f"hashint8extended(department_key, {by_day})"
    by_agent = f"hashint8extended(agent_key, {by_department})"
    # An agent row's month is its day's; an agent-month row's is its own day, so a row stored
    # on any other day than the 1st does not pass for its month's.
    by_month = _key_hash(seed, month_sql("day"), "channel", "department_key", "agent_key")
    month_row = _key_hash(seed, "day", "channel", "department_key", "agent_key")

    def h(key_hash: str) -> str:
        return f"({key_hash} & {PRIME})"

    def minus(key_hash: str) -> str:
        return f"({PRIME} - {h(key_hash)})"

    # Every term below P times a count below P: below 2⁶², summed exactly.
    day_terms = (
        f"CASE scope WHEN 'agent' THEN MOD({h(by_agent)} + {h(by_department)} + {h(by_day)}, {PRIME}) "
        f"WHEN 'department' THEN {minus(by_department)} WHEN 'company' THEN {minus(by_day)} ELSE 0 END"
    )
    month_terms = f"CASE scope WHEN 'agent' THEN {h(by_month)} WHEN 'agentmonth' THEN {minus(month_row)} ELSE 0 END"
    malformed = (
        "responses = 0 OR (scope = 'company' AND (department_key <> 0 OR agent_key <> 0)) "
        "OR (scope = 'department' AND agent_key <> 0)"
    )
    cursor.execute(
        f"SELECT day, SUM({counts} * {day_terms}), SUM({counts} * {month_terms}), "
        f"SUM(CASE WHEN scope <> 'agentmonth' AND ({malformed}) THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN scope = 'agentmonth' AND responses = 0 THEN 1 ELSE 0 END) "
        f"FROM {NpsBucket._meta.db_table} {('WHERE ' + ' AND '.join(where)) if where else ''} GROUP BY day",
        params,
    )
    stored = _Stored(days={}, months={}, malformed_days=set(), malformed_months=set())
    for day, day_sum, month_sum, malformed_day_rows, malformed_month_rows in cursor.fetchall():
        stored.days[day] = int(day_sum or 0) % PRIME
        first = month_start(day)
        stored.months[first] = (stored.months.get(first, 0) + int(month_sum or 0)) % PRIME
        if malformed_day_rows:
            stored.malformed_days.add(day)
        if malformed_month_rows:
            stored.malformed_months.add(first)
    return stored
