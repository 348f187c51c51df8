"""Celery tasks of the NPS engine: thin wrappers around analytics services."""

import contextlib
import logging
from datetime import timedelta

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from analytics import breakdowns, buckets, champions, digests
from analytics.signals import buckets_flushed
from analytics.themes import tagging as themes_tagging
from nps_project.enqueue import enqueue
from surveys.delivery.dispatch import RetryLater

logger = logging.getLogger(__name__)
FLUSH_SCHEDULED = "analytics:flush-scheduled"
RETAG_SCHEDULED = "analytics:retag-themes-scheduled"  # analytics.themes.services.schedule_retag
FLUSH_BATCH = 5000


@shared_task(acks_late=True)
def flush_nps_buckets() -> int:
    """Recompute every bucket touched by new answers since the last flush, open the
    follow-up cases of the detractor answers among them, and tag their why-texts (one
    batch per flush; the periodic retag_themes catches a flush that died before it)."""
    # Answers arriving from now on schedule the next flush; a cache outage costs nothing.
    with contextlib.suppress(Exception):
        cache.delete(FLUSH_SCHEDULED)
    flushed = 0
    while True:
        keys = buckets.flush_dirty(limit=FLUSH_BATCH)
        flushed += len(keys)
        if keys:
            _announce_flush(keys)
            _tag_flushed(keys)
        if len(keys) < FLUSH_BATCH:  # nothing left (marks made meanwhile schedule another flush)
            return flushed


def _announce_flush(keys: list) -> None:
    """Listeners (followups opens detractor cases) must not stop the flush; the sweep catches misses."""
    for receiver, result in buckets_flushed.send_robust(sender=None, keys=keys):
        if isinstance(result, Exception):
            logger.error("buckets_flushed listener %s failed: %r", receiver, result)


def _tag_flushed(keys: list) -> None:
    """Themes must not stop the flush either; retag_themes (every ten minutes) catches misses."""
    try:
        themes_tagging.tag_flushed(keys)
    except Exception:
        logger.exception("Tagging the themes of %d flushed buckets failed", len(keys))


@shared_task(acks_late=True)
def reconcile_nps(days: int | None = None) -> int:
    """Rebuild buckets and breakdowns from raw rows: the last `days` local days, or all."""
    since = timezone.localdate() - timedelta(days=days - 1) if days else None
    rebuilt = buckets.rebuild(since=since).buckets
    breakdowns.rebuild(since=since)
    return rebuilt


@shared_task(acks_late=True)
def refresh_champions() -> int:
    """Store a fresh champion snapshot for the default period."""
    return champions.refresh_snapshot().pk


# --- Weekly digests -----------------------------------------------------------------------------


@shared_task
def send_weekly_digests(audience: str) -> int:
    """Weekly, once per audience (admin, supervisor, agent): queue last week's digests and
    send each; a second run the same week sends nothing new."""
    digest_ids = digests.queue_week(audience)
    for digest_id in digest_ids:
        enqueue(send_weekly_digest, digest_id)
    return len(digest_ids)


@shared_task(bind=True, acks_late=True, max_retries=None)
def send_weekly_digest(self, digest_id: int) -> str:
    """Send one digest; retry with backoff (the row counts the tries and gives up after
    DELIVERY_MAX_RETRIES, then the hourly resend tries again that week)."""
    try:
        return digests.send_digest(digest_id)
    except RetryLater as exc:
        raise self.retry(exc=exc, countdown=exc.retry_in) from exc


@shared_task
def resend_weekly_digests() -> int:
    """Hourly: send this week's digests that a mail outage or a lost task held back."""
    digest_ids = digests.unsent_digests()
    for digest_id in digest_ids:
        enqueue(send_weekly_digest, digest_id)
    return len(digest_ids)


# --- Themes in why-texts -------------------------------------------------------------------


@shared_task(acks_late=True)
def tag_response_themes(response_id: int) -> int:
    """Find the themes of one answer's why-text (idempotent). New answers are tagged by
    the flush (flush_nps_buckets); kept for messages queued before that change."""
    return themes_tagging.tag_responses([response_id])


@shared_task(acks_late=True)
def retag_themes() -> int:
    """Tag every answer not tagged with the current taxonomy: after a theme edit, and
    periodically for answers whose task was lost."""
    with contextlib.suppress(Exception):
        cache.delete(RETAG_SCHEDULED)
    return themes_tagging.tag_pending().tagged
