"""Celery tasks of the privacy app: thin wrappers around privacy/services.py."""

from celery import shared_task
from django.conf import settings

from privacy import services


@shared_task(acks_late=True)
def apply_retention() -> dict:
    """Daily: anonymise why-text and contact data older than RETENTION_MONTHS (0 = off)."""
    entry = services.anonymise_older_than(settings.RETENTION_MONTHS)
    return entry.counts if entry else {}
