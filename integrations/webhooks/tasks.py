"""Celery tasks of webhooks out: thin wrappers around delivery.attempt and the sweep."""

from celery import shared_task

from integrations.webhooks import delivery, services
from nps_project.enqueue import enqueue


@shared_task(bind=True, acks_late=True, max_retries=None, soft_time_limit=60, time_limit=90)
def deliver_webhook(self, delivery_id: int) -> str:
    """Try one delivery; after a failure, Celery runs it again after the backoff delay.

    The row counts the tries and gives up after WEBHOOK_MAX_ATTEMPTS, so Celery's own retry
    limit is not used (a task re-sent by the sweep continues the count). Run eagerly (no
    broker), a retry is left to the sweep instead of running at once in the same thread.
    """
    outcome = delivery.attempt(delivery_id)
    if outcome.result == "retry" and not self.request.is_eager:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.result


@shared_task
def sweep_webhook_deliveries() -> int:
    """Periodic: hand overdue pending deliveries (lost tasks, broker outages) to a worker."""
    due = services.due_deliveries()
    for delivery_id in due:
        enqueue(deliver_webhook, delivery_id)
    return len(due)


@shared_task
def prune_webhook_deliveries() -> int:
    """Daily: forget deliveries finished more than 30 days ago."""
    return services.prune_deliveries()
