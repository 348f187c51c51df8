"""Liveness and readiness probes for load balancers and orchestrators.

/healthz touches nothing outside the process (no database, cache or broker): a hung Redis
or database must not make the orchestrator kill healthy web containers. /readyz checks
the database and the broker, each bounded by a short timeout.
"""

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from nps_project.celery import app as celery_app


def _database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        return False, type(exc).__name__
    return True, "ok"


def _broker_ok() -> tuple[bool, str]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return True, "eager (tasks run in-process)"
    url = settings.CELERY_BROKER_URL or ""
    try:
        if url.startswith(("redis://", "rediss://")):
            # One PING bounded by the Redis timeouts (kombu would retry and wait longer).
            client = redis.Redis.from_url(
                url, socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT, socket_timeout=settings.REDIS_SOCKET_TIMEOUT
            )
            try:
                client.ping()
            finally:
                client.close()
        else:
            with celery_app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # redis and kombu raise a variety of connection errors
        return False, type(exc).__name__
    return True, "ok"


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving requests."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """The database and the broker are reachable; 503 when either is not."""
    db_ok, db_detail = _database_ok()
    broker_ok, broker_detail = _broker_ok()
    ok = db_ok and broker_ok
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", "database": db_detail, "broker": broker_detail},
        status=200 if ok else 503,
    )
