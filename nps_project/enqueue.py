"""Enqueue Celery tasks after the current transaction commits, without letting a broker
outage break the request that triggered them.

Whatever is enqueued here is also recoverable from the database (a periodic sweep or a
rebuild picks it up), so losing a message while Redis is down loses no data.

How long a publish may hold the request is bounded by the broker settings
(CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_TASK_PUBLISH_RETRY_POLICY): measured on Redis,
a refused connection gives up at once, an unreachable host after the 2 s connect timeout,
a host that accepts but never answers after the 5 s socket timeout.
tests/surveys/test_broker_down.py keeps the first two under watch.
"""

import logging
from typing import Any

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task: Task, *args: Any, countdown: float | None = None, **kwargs: Any) -> bool:
    """Send the task now; log and return False if the broker cannot take it."""
    try:
        task.apply_async(args=args, kwargs=kwargs, countdown=countdown)
    except Exception:  # kombu/redis raise many connection error types
        logger.warning("Could not enqueue %s%r; the periodic sweep will catch up", task.name, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task: Task, *args: Any, countdown: float | None = None, **kwargs: Any) -> None:
    """Send the task once the surrounding transaction has committed (at once if none)."""
    transaction.on_commit(lambda: enqueue(task, *args, countdown=countdown, **kwargs), robust=True)
