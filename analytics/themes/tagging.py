"""Tag why-texts with themes and store them (ResponseTheme, ThemeTagging).

Who writes: only this module writes ResponseTheme and ThemeTagging. Everything it writes
is derived from surveys.Response.why and the taxonomy, so running it twice changes
nothing: each chunk deletes the chunk's old themes and inserts the new ones in one
transaction, and marks each answer with the taxonomy's fingerprint. An answer is "pending"
when it has a why-text and no mark with the current fingerprint: a run killed halfway
leaves whole chunks done or not done, and the next run finishes the rest. Editing a theme
changes the fingerprint, so the next run (queued by the edit) re-tags everything; a run
that notices the change mid-way reloads the taxonomy and goes on with the new one.

Reads and writes are set-based: one keyset-paginated SELECT per chunk (CHUNK answers,
ordered by id, with the pending test in SQL), one DELETE and two bulk INSERTs.

New answers are tagged by the bucket flush that follows them (`tag_flushed`, called by
analytics.tasks.flush_nps_buckets): one SELECT of the pending answers of the agent-days the
flush recomputed and one write per flush, not one Celery task per answer. The compiled
taxonomy is kept per process and checked against a digest PostgreSQL computes over the
Theme rows (one short query), so a call no longer re-reads and re-hashes every theme.
"""

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from analytics.themes.models import ResponseTheme, Theme, ThemeTagging
from analytics.themes.tagger import LEXICON_DIR, Tagger, fresh_tagger

logger = logging.getLogger(__name__)
CHUNK = 2000
# Answers with a why-text and no mark of the current fingerprint, in id order, one
# partition (ids ≡ k mod n; n = 1 for a single process).
_PENDING_WHERE = """
FROM surveys_response r
LEFT JOIN analytics_themetagging t ON t.response_id = r.id
WHERE r.id > %s AND r.why <> '' AND (t.fingerprint IS NULL OR t.fingerprint <> %s) AND r.id %% %s = %s
"""
PENDING_SQL = "SELECT r.id, r.why, r.language" + _PENDING_WHERE + "ORDER BY r.id LIMIT %s"
PENDING_COUNT_SQL = "SELECT count(*)" + _PENDING_WHERE


@dataclass
class Taxonomy:
    """The compiled taxonomy one run tags with: a tagger plus the active themes' ids."""

    fingerprint: str
    tagger: Tagger
    theme_ids: dict[str, int]

    def themes_of(self, text: str, language: str | None) -> list[tuple[int, str, float]]:
        return [
            (self.theme_ids[hit.key], hit.polarity, hit.evidence)
            for hit in self.tagger.tag(text, language)
            if hit.key in self.theme_ids
        ]


_lexicon_digest: str | None = None
_cached: Taxonomy | None = None
# (digest of the Theme rows computed by PostgreSQL, the taxonomy built from them)
_cached_version: tuple[str, Taxonomy] | None = None
# Any change to a theme's id, key, active flag or phrases changes this digest, whatever
# made it (a form, a queryset update, raw SQL); jsonb's text form is canonical.
_VERSION_SQL = (
    "SELECT md5(coalesce(string_agg(concat_ws('|', id, key, active, phrases::text), E'\\n' ORDER BY id), '')) "
    "FROM {table}"
)


def _lexicons() -> str:
    global _lexicon_digest
    if _lexicon_digest is None:
        digest = hashlib.sha256()
        for path in sorted(LEXICON_DIR.glob("*.json")):
            digest.update(path.read_bytes())
        _lexicon_digest = digest.hexdigest()
    return _lexicon_digest


def _theme_rows() -> list[tuple[int, str, bool, dict]]:
    return list(Theme.objects.order_by("pk").values_list("pk", "key", "active", "phrases"))


def fingerprint(rows: list[tuple[int, str, bool, dict]] | None = None) -> str:
    """A short hash of the shipped lexicons and every theme's key, active flag and phrases."""
    rows = _theme_rows() if rows is None else rows
    payload = json.dumps([_lexicons(), [list(row) for row in rows]], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def build_taxonomy(rows: Iterable[tuple[int, str, bool, dict]]) -> Taxonomy:
    rows = list(rows)
    tagger = fresh_tagger()
    for _pk, key, active, phrases in rows:
        if active and phrases:
            tagger.add_phrases(key, phrases)
    return Taxonomy(fingerprint(rows), tagger, {key: pk for pk, key, active, _p in rows if active})


def _theme_version() -> str | None:
    """A digest of the Theme rows computed in PostgreSQL (None on other databases)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL.format(table=Theme._meta.db_table))
        return cursor.fetchone()[0]


def current_taxonomy() -> Taxonomy:
    """The taxonomy as stored now, compiled once per process and per fingerprint.

    One short query when nothing changed (the rows' digest matches the one the cached
    taxonomy was built from); the rows are read and hashed again only after an edit."""
    global _cached, _cached_version
    version = _theme_version()
    known = _cached_version
    if version is not None and known is not None and known[0] == version:
        return known[1]
    rows = _theme_rows()  # read after the digest: at least as new as it
    print_ = fingerprint(rows)
    taxonomy = _cached
    if taxonomy is None or taxonomy.fingerprint != print_:
        taxonomy = build_taxonomy(rows)
    _cached = taxonomy
    _cached_version = (version, taxonomy) if version is not None else None
    return taxonomy


def _write(taxonomy: Taxonomy, batch: list[tuple[int, str, str]]) -> int:
    """Replace the themes of these answers and mark them tagged, in one transaction."""
    ids = [row[0] for row in batch]
    found = [
        ResponseTheme(response_id=pk, theme_id=theme_id, polarity=polarity, evidence=evidence)
        for pk, why, language in batch
        for theme_id, polarity, evidence in taxonomy.themes_of(why, language)
    ]
    now = timezone.now()
    marks = [ThemeTagging(response_id=pk, fingerprint=taxonomy.fingerprint, tagged_at=now) for pk in ids]
    with transaction.atomic():
        ResponseTheme.objects.filter(response_id__in=ids).delete()
        ResponseTheme.objects.bulk_create(found, ignore_conflicts=True)
        ThemeTagging.objects.bulk_create(
            marks, update_conflicts=True, unique_fields=["response"], update_fields=["fingerprint", "tagged_at"]
        )
    return len(found)


@dataclass
class RunResult:
    tagged: int = 0
    themes: int = 0
    seconds: float = 0.0
    reloads: int = 0


def pending_count(*, partition: tuple[int, int] | None = None) -> int:
    params = [0, current_taxonomy().fingerprint, *(partition or (1, 0))]
    with connection.cursor() as cursor:
        cursor.execute(PENDING_COUNT_SQL, params)
        return cursor.fetchone()[0]


def tag_pending(
    *,
    chunk_size: int = CHUNK,
    partition: tuple[int, int] | None = None,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Tag every pending answer (or `limit` of them); `partition` = (n, k) takes ids ≡ k mod n."""
    result = RunResult()
    start = time.perf_counter()
    taxonomy = current_taxonomy()
    after = 0
    while limit is None or result.tagged < limit:
        size = chunk_size if limit is None else min(chunk_size, limit - result.tagged)
        with connection.cursor() as cursor:
            cursor.execute(PENDING_SQL, [after, taxonomy.fingerprint, *(partition or (1, 0)), size])
            batch = cursor.fetchall()
        if not batch:
            break
        now = current_taxonomy()
        if now.fingerprint != taxonomy.fingerprint:
            # A theme was edited while we ran: start over with the new taxonomy.
            taxonomy, after = now, 0
            result.reloads += 1
            continue
        result.themes += _write(taxonomy, batch)
        result.tagged += len(batch)
        after = batch[-1][0]
        if progress:
            progress(len(batch))
    forget_erased()
    result.seconds = time.perf_counter() - start
    return result


def tag_responses(ids: Iterable[int]) -> int:
    """Tag these answers now (after a submission); those without a why-text get no themes."""
    ids = list(ids)
    if not ids:
        return 0
    from surveys.models import Response

    taxonomy = current_taxonomy()
    rows = list(Response.objects.filter(pk__in=ids).exclude(why="").values_list("pk", "why", "language"))
    forget(set(ids) - {row[0] for row in rows})
    return _write(taxonomy, rows) if rows else 0


# Answers with a why-text not tagged with the current taxonomy, of some agents over some
# time ranges: the agent-days a bucket flush recomputed (index response_agent_occurred_idx).
_FLUSHED_SQL = """
SELECT r.id, r.why, r.language
FROM surveys_response r
JOIN (VALUES {values}) AS k(agent_id, low, high)
  ON r.agent_id = k.agent_id AND r.occurred_at >= k.low AND r.occurred_at < k.high
LEFT JOIN analytics_themetagging t ON t.response_id = r.id
WHERE r.why <> '' AND (t.fingerprint IS NULL OR t.fingerprint <> %s)
ORDER BY r.id
"""
_FLUSHED_KEYS = 1000  # agent-days per SELECT


def tag_flushed(keys: Iterable) -> int:
    """Tag the pending why-texts of the agent-days a bucket flush recomputed (`keys`:
    analytics.buckets.BucketKey): the answers that flush covers, in one batch. Idempotent;
    an answer another run tagged meanwhile is not pending any more. Returns answers tagged."""
    spans = sorted({(key.agent_key, key.day) for key in keys})
    if not spans:
        return 0
    taxonomy = current_taxonomy()
    if connection.vendor != "postgresql":  # the embedded mode (SQLite): the same read by the ORM
        rows = _flushed_portable(spans, taxonomy.fingerprint)
    else:
        rows = _flushed_postgres(spans, taxonomy.fingerprint)
    rows = sorted(set(rows))
    for start in range(0, len(rows), CHUNK):
        _write(taxonomy, rows[start : start + CHUNK])
    if rows:
        logger.info("Tagged %d answers of %d flushed agent-days", len(rows), len(spans))
    return len(rows)


def _flushed_postgres(spans: list, fingerprint: str) -> list[tuple[int, str, str]]:
    from analytics.buckets import day_start

    rows: list[tuple[int, str, str]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(spans), _FLUSHED_KEYS):
            chunk = spans[start : start + _FLUSHED_KEYS]
            values = ", ".join(["(%s::bigint, %s::timestamptz, %s::timestamptz)"] * len(chunk))
            params: list = []
            for agent_id, day in chunk:
                params += [agent_id, day_start(day), day_start(day + timedelta(days=1))]
            cursor.execute(_FLUSHED_SQL.format(values=values), [*params, fingerprint])
            rows += cursor.fetchall()
    return rows


def _flushed_portable(spans: list, fingerprint: str) -> list[tuple[int, str, str]]:
    from analytics.buckets import day_start
    from surveys.models import Response

    rows: list[tuple[int, str, str]] = []
    for start in range(0, len(spans), 100):  # SQLite bounds the depth of an expression
        spans_here = Q()
        for agent_id, day in spans[start : start + 100]:
            low, high = day_start(day), day_start(day + timedelta(days=1))
            spans_here |= Q(agent_id=agent_id, occurred_at__gte=low, occurred_at__lt=high)
        found = (
            Response.objects.filter(spans_here)
            .exclude(why="")
            .exclude(theme_tagging__fingerprint=fingerprint)
            .order_by("pk")
        )
        rows += list(found.values_list("pk", "why", "language"))
    return rows


def forget(response_ids: Iterable[int]) -> int:
    """Drop the themes and marks of these answers (their why-text is gone)."""
    ids = list(response_ids)
    if not ids:
        return 0
    removed, _ = ResponseTheme.objects.filter(response_id__in=ids).delete()
    ThemeTagging.objects.filter(response_id__in=ids).delete()
    return removed


def forget_erased() -> int:
    """Drop themes of answers whose why-text was emptied (erasure, retention)."""
    stale = Q(response__why="")
    removed, _ = ResponseTheme.objects.filter(stale).delete()
    ThemeTagging.objects.filter(stale).delete()
    return removed
