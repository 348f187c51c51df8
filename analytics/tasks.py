"""Celery tasks of the NPS engine: thin wrappers around analytics services."""

import contextlib
from datetime import timedelta

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from analytics import breakdowns, buckets, champions, followup_alerts, followups, recovery
from nps_project.enqueue import enqueue
from surveys.delivery.dispatch import RetryLater

FLUSH_SCHEDULED = "analytics:flush-scheduled"


@shared_task(acks_late=True)
def flush_nps_buckets() -> int:
    """Recompute every bucket touched by new answers since the last flush."""
    # Answers arriving from now on schedule the next flush; a cache outage costs nothing.
    with contextlib.suppress(Exception):
        cache.delete(FLUSH_SCHEDULED)
    flushed = 0
    while batch := buckets.flush_dirty():
        flushed += batch
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
