"""Celery tasks of the NPS engine: thin wrappers around analytics services."""

import contextlib
from datetime import timedelta

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from analytics import breakdowns, buckets, champions, digests, followup_alerts, followups, recovery
from nps_project.enqueue import enqueue
from surveys.delivery.dispatch import RetryLater

FLUSH_SCHEDULED = "analytics:flush-scheduled"
FLUSH_BATCH = 5000


@shared_task(acks_late=True)
def flush_nps_buckets() -> int:
    """Recompute every bucket touched by new answers since the last flush, and open the
    follow-up cases of the detractor answers among them."""
    # Answers arriving from now on schedule the next flush; a cache outage costs nothing.
    with contextlib.suppress(Exception):
        cache.delete(FLUSH_SCHEDULED)
    flushed = 0
    while True:
        keys = buckets.flush_dirty(limit=FLUSH_BATCH)
        flushed += len(keys)
        followups.open_cases_on(keys)
        if len(keys) < FLUSH_BATCH:  # nothing left (marks made meanwhile schedule another flush)
            return flushed


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


# --- Follow-up cases ----------------------------------------------------------------------


@shared_task(bind=True, acks_late=True, max_retries=None)
def send_case_alerts(self, case_id: int) -> str:
    """Email the supervisors who want new cases at once; retry with backoff (the alert
    rows count the tries and give up after DELIVERY_MAX_RETRIES, then the sweep resends)."""
    try:
        return followup_alerts.send_immediate_alerts(case_id)
    except RetryLater as exc:
        raise self.retry(exc=exc, countdown=exc.retry_in) from exc


@shared_task(bind=True, acks_late=True, max_retries=None)
def send_case_digest(self, user_id: int) -> str:
    try:
        return followup_alerts.send_digest(user_id)
    except RetryLater as exc:
        raise self.retry(exc=exc, countdown=exc.retry_in) from exc


@shared_task
def send_case_digests() -> int:
    """Hourly: one digest per supervisor who chose it and has new cases."""
    recipients = followup_alerts.digest_recipient_ids()
    for user_id in recipients:
        enqueue(send_case_digest, user_id)
    return len(recipients)


@shared_task(bind=True, acks_late=True, max_retries=None)
def send_recovery_email(self, recovery_id: int) -> str:
    try:
        return recovery.deliver(recovery_id)
    except RetryLater as exc:
        raise self.retry(exc=exc, countdown=exc.retry_in) from exc


@shared_task
def sweep_followups() -> dict:
    """Every 15 minutes: escalate overdue cases and resend what a lost task or an email
    outage left unsent."""
    result = followups.sweep()
    for case_id in result.alert_case_ids:
        enqueue(send_case_alerts, case_id)
    for recovery_id in result.recovery_ids:
        enqueue(send_recovery_email, recovery_id)
    return {
        "opened": result.opened,
        "escalated": result.escalated,
        "alerts": len(result.alert_case_ids),
        "recovery": len(result.recovery_ids),
    }


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
