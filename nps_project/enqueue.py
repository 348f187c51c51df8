"""Enqueue Celery tasks after the current transaction commits, without letting a broker
outage break or hold the request that triggered them.

Whatever is enqueued here is also recoverable from the database (a periodic sweep or a
rebuild picks it up), so losing a message while Redis is down loses no data. A caller
that wants the sweep to act at once instead of after its grace period passes `on_failure`
to leave a mark in the database (see surveys.services.record_interaction).

How long a publish may hold the request is bounded twice: by the broker settings
(REDIS_CONNECT_TIMEOUT, REDIS_SOCKET_TIMEOUT in CELERY_BROKER_TRANSPORT_OPTIONS, and
CELERY_TASK_PUBLISH_RETRY_POLICY), and by the Redis circuit breaker
(nps_project/redis_guard.py): after one failed publish this process skips the broker for
REDIS_RETRY_SECONDS instead of waiting out the timeouts on every request.
tests/surveys/test_broker_down.py and tests/faults/ keep both under watch.
"""

import logging
from collections.abc import Callable
from typing import Any

from celery import Task
from django.db import transaction

from nps_project.redis_guard import CONNECTION_ERRORS, broker_breaker

logger = logging.getLogger(__name__)


def enqueue(
    task: Task,
    *args: Any,
    countdown: float | None = None,
    on_failure: Callable[[], None] | None = None,
    **kwargs: Any,
) -> bool:
    """Send the task now; log, call `on_failure` and return False if the broker cannot take it."""
    breaker = broker_breaker()
    if breaker is not None and not breaker.allow():
        logger.warning(
            "Could not enqueue %s%r: the broker did not answer recently; the periodic sweep will catch up",
            task.name,
            args,
        )
        return _failed(on_failure)
    try:
        task.apply_async(args=args, kwargs=kwargs, countdown=countdown)
    except Exception as exc:  # kombu/redis raise many connection error types
        if breaker is not None and isinstance(exc, CONNECTION_ERRORS):
            breaker.failed(exc)
            logger.warning(
                "Could not enqueue %s%r (%s: %s); the periodic sweep will catch up",
                task.name,
                args,
                type(exc).__name__,
                exc,
            )
        else:
            logger.warning("Could not enqueue %s%r; the periodic sweep will catch up", task.name, args, exc_info=True)
        return _failed(on_failure)
    return True


def _failed(on_failure: Callable[[], None] | None) -> bool:
    if on_failure is not None:
        try:
            on_failure()
        except Exception:  # the mark is an optimisation: the sweep's grace period still applies
            logger.warning("Could not record the failed enqueue", exc_info=True)
    return False


def enqueue_on_commit(
    task: Task,
    *args: Any,
    countdown: float | None = None,
    on_failure: Callable[[], None] | None = None,
    **kwargs: Any,
) -> None:
    """Send the task once the surrounding transaction has committed (at once if none)."""
    transaction.on_commit(
        lambda: enqueue(task, *args, countdown=countdown, on_failure=on_failure, **kwargs), robust=True
    )
