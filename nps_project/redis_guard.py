"""A circuit breaker per Redis server: once Redis fails to answer, stop asking for a while.

The socket timeouts (REDIS_CONNECT_TIMEOUT, REDIS_SOCKET_TIMEOUT) bound one call; this
bounds how many calls pay them. A Redis that is hung (paused, overloaded, a dead link)
accepts connections and never replies, so without the breaker every request that queues a
task, checks a rate limit or sets a cache flag would wait out the timeout again.

After a failure the server counts as down for REDIS_RETRY_SECONDS; then one caller checks
it with a PING (bounded by the same timeouts) while the others keep skipping it. Callers
that skip Redis fall back to what the database keeps: answers and invitations are marked
there and swept by beat (nps_project/enqueue.py), rate limits fail open.

The state is per process on purpose: it is a local observation ("this process could not
reach Redis a moment ago"), and nothing another process needs.
"""

import logging
import threading
import time
from urllib.parse import urlsplit

import redis
from django.conf import settings
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# What a client raises when Redis is unreachable, refusing, hung or gone mid-reply.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    OperationalError,  # kombu's wrapper around the above when publishing
    OSError,
)


class RedisUnavailable(redis.exceptions.ConnectionError):
    """Raised instead of calling a Redis the breaker holds to be down."""


class Breaker:
    def __init__(self, url: str):
        self.url = url
        self._lock = threading.Lock()
        self._open_until = 0.0  # monotonic time; 0 = closed (Redis answers)
        self._probing = False

    @property
    def is_open(self) -> bool:
        return self._open_until > 0

    def allow(self) -> bool:
        """True when a call may go to Redis now; False when the caller should skip it."""
        if not self._open_until:
            return True
        with self._lock:
            if not self._open_until:
                return True
            if self._probing or time.monotonic() < self._open_until:
                return False
            self._probing = True
        try:
            alive = self._ping()
        finally:
            self._probing = False
        if alive:
            self.succeeded()
        else:
            self._open_until = time.monotonic() + settings.REDIS_RETRY_SECONDS
        return alive

    def failed(self, exc: BaseException) -> None:
        """Record a failed call: skip this Redis for REDIS_RETRY_SECONDS."""
        was_open = self.is_open
        self._open_until = time.monotonic() + settings.REDIS_RETRY_SECONDS
        if not was_open:
            logger.warning(
                "Redis at %s did not answer (%s: %s); skipping it for %ss, the database sweeps catch up",
                _where(self.url),
                type(exc).__name__,
                exc,
                settings.REDIS_RETRY_SECONDS,
            )

    def succeeded(self) -> None:
        if self.is_open:
            logger.warning("Redis at %s answers again", _where(self.url))
        self._open_until = 0.0

    def _ping(self) -> bool:
        client = redis.Redis.from_url(
            self.url,
            socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
            socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
        )
        try:
            return bool(client.ping())
        except Exception:  # any error: still down
            return False
        finally:
            client.close()


_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 6379}"


def breaker_for(url: str) -> Breaker:
    """The breaker of the Redis server at `url` (one per host and port: the cache and the
    broker share it when they share the server, as in production)."""
    key = _where(url)
    breaker = _breakers.get(key)
    if breaker is None:
        with _breakers_lock:
            breaker = _breakers.setdefault(key, Breaker(url))
    return breaker


def broker_breaker() -> Breaker | None:
    """The broker's breaker; None when tasks run in-process or the broker is not Redis."""
    url = settings.CELERY_BROKER_URL or ""
    if settings.CELERY_TASK_ALWAYS_EAGER or not url.startswith(("redis://", "rediss://")):
        return None
    return breaker_for(url)


def reset() -> None:
    """Forget every breaker's state (tests, and after reconfiguring the URLs)."""
    with _breakers_lock:
        _breakers.clear()
