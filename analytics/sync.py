"""Make a range of a derived table equal to what a query over the raw rows says, writing
only the rows that differ.

A reconcile usually finds the derived rows already right (the per-answer flush keeps them
fresh), so deleting and re-inserting every row of the range, each write paying for the
table's indexes, is almost all wasted work. Instead: the fresh rows and the stored ones
meet in one full join, the difference goes into a temporary table, and only it is applied —
rows to insert, rows whose counts changed, rows to delete. The result is the same as
replacing the range; run inside the caller's transaction, readers see the old rows or the
new ones, never a mix.

Works on PostgreSQL and on SQLite ≥ 3.39 (FULL JOIN, UPDATE … FROM).
"""

from collections.abc import Sequence
from dataclasses import dataclass

DIFF_TABLE = "derived_sync_diff"


@dataclass(frozen=True)
class SyncResult:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def written(self) -> int:
        return self.inserted + self.updated + self.deleted

    def __add__(self, other: "SyncResult") -> "SyncResult":
        return SyncResult(self.inserted + other.inserted, self.updated + other.updated, self.deleted + other.deleted)


def sync(
    cursor,
    *,
    table: str,
    key: Sequence[str],
    counters: Sequence[str],
    source_sql: str,
    source_params: Sequence = (),
    target_where: str,
    target_params: Sequence = (),
) -> SyncResult:
    """Make the rows of `table` matching `target_where` equal to the rows `source_sql`
    returns. The source selects exactly the columns `key` + `counters`, by those names, one
    row per key; `table` has an `id` primary key and a unique constraint on `key`.
    """
    names = [*key, *counters]
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE {target_where})", list(target_params))
    if not cursor.fetchone()[0]:
        # Nothing stored in the range (a first build, a rebuild into an emptied table): every
        # source row is an insert, so skip the full join and the difference table.
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(names)} FROM ({source_sql}) src "
            "ORDER BY " + ", ".join(key),
            list(source_params),
        )
        return SyncResult(inserted=cursor.rowcount)
    on_key = " AND ".join(f"s.{k} = t.{k}" for k in key)
    changed = " OR ".join(f"s.{c} <> t.{c}" for c in counters)
    cursor.execute(f"DROP TABLE IF EXISTS {DIFF_TABLE}")
    cursor.execute(
        f"CREATE TEMP TABLE {DIFF_TABLE} AS "
        f"SELECT t.id AS target_id, s.present, {', '.join(f's.{n}' for n in names)} "
        f"FROM (SELECT 1 AS present, src.* FROM ({source_sql}) src) s "
        f"FULL JOIN (SELECT id, {', '.join(names)} FROM {table} WHERE {target_where}) t ON {on_key} "
        f"WHERE t.id IS NULL OR s.present IS NULL OR {changed}",
        [*source_params, *target_params],
    )
    cursor.execute(f"DELETE FROM {table} WHERE id IN (SELECT target_id FROM {DIFF_TABLE} WHERE present IS NULL)")
    deleted = cursor.rowcount
    cursor.execute(
        f"UPDATE {table} SET {', '.join(f'{c} = d.{c}' for c in counters)} FROM {DIFF_TABLE} d "
        f"WHERE {table}.id = d.target_id AND d.present IS NOT NULL"
    )
    updated = cursor.rowcount
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(names)} FROM {DIFF_TABLE} "
        "WHERE target_id IS NULL ORDER BY " + ", ".join(key)
    )
    inserted = cursor.rowcount
    cursor.execute(f"DROP TABLE {DIFF_TABLE}")
    return SyncResult(inserted=inserted, updated=updated, deleted=deleted)
