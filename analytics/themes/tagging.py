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
"""

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from analytics.themes.models import ResponseTheme, Theme, ThemeTagging
from analytics.themes.tagger import LEXICON_DIR, Tagger, fresh_tagger

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


def current_taxonomy() -> Taxonomy:
    """The taxonomy as stored now, compiled once per process and per fingerprint."""
    global _cached
    rows = _theme_rows()
    print_ = fingerprint(rows)
    if _cached is None or _cached.fingerprint != print_:
        _cached = build_taxonomy(rows)
    return _cached


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
