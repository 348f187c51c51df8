"""Per-token rate limit of the REST API: at most API_RATE_LIMIT requests (e.g. `600/min`).

Counted in the Django cache (Redis in production, so every web process and machine shares
the counts; the local cache in the embedded single-process mode), never in a process's own
memory. A sliding window approximated from two fixed windows: the previous window's count,
weighted by how much of it still overlaps the last `period` seconds, plus the current one.
Atomic across processes (add + incr), a few bytes per token and window. On Redis the three
commands of a request (create the window's counter, count this request, read the previous
window's count) go in one pipeline: one round trip instead of four (Django's `incr` asks
EXISTS first).

If the cache cannot be reached, requests are let through: a Redis outage must not stop
integrations reporting interactions (the breaker in nps_project/redis_guard.py keeps that fast).
"""

import contextlib
import logging
import math
import time

import redis
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from nps_project.redis_guard import CONNECTION_ERRORS, Breaker, RedisUnavailable, breaker_for
from surveys.models import ApiToken

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int] | None:
    """`600/min` → (600, 60); an empty rate or `0/...` means no limit (None)."""
    rate = (rate or "").strip()
    if not rate:
        return None
    number, _, period = rate.partition("/")
    count, unit = int(number), (period.strip() or "s")[0].lower()
    if unit not in PERIODS:
        raise ValueError(f"API_RATE_LIMIT: unknown period in {rate!r} (use /s, /min, /hour or /day)")
    return (count, PERIODS[unit]) if count > 0 else None


def _redis(backend) -> "tuple[redis.Redis, Breaker] | None":
    """(redis client, breaker) when the cache is Redis; None for another cache."""
    if not isinstance(backend, RedisCache):
        return None
    return backend._cache.get_client(write=True), breaker_for(backend._servers[0])


def _count(current_key: str, previous_key: str, *, timeout: int) -> tuple[int, int]:
    """Count this request in the current window: (the current window's count with it, the
    previous window's count). One round trip on Redis, behind its circuit breaker."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    found = _redis(backend)
    if found is None:  # the local cache of the embedded single-process mode
        backend.add(current_key, 0, timeout=timeout)
        return backend.incr(current_key), backend.get(previous_key, 0)
    client, breaker = found
    if not breaker.allow():
        raise RedisUnavailable("Redis cache skipped: it did not answer recently")
    pipe = client.pipeline(transaction=False)
    pipe.set(backend.make_and_validate_key(current_key), 0, ex=timeout, nx=True)
    pipe.incr(backend.make_and_validate_key(current_key))
    pipe.get(backend.make_and_validate_key(previous_key))
    try:
        _created, current, previous = pipe.execute()
    except CONNECTION_ERRORS as exc:
        breaker.failed(exc)
        raise
    return int(current), int(previous or 0)


def _uncount(current_key: str) -> None:
    backend = caches[DEFAULT_CACHE_ALIAS]
    found = _redis(backend)
    if found is None:
        backend.decr(current_key)
        return
    client, breaker = found
    if breaker.allow():
        client.decr(backend.make_and_validate_key(current_key))


class ApiTokenRateThrottle(BaseThrottle):
    """Limits requests made with an API token, per token; signed-in users are not limited here."""

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def allow_request(self, request: Request, view) -> bool:
        token = request.auth
        limit = parse_rate(settings.API_RATE_LIMIT)
        if not isinstance(token, ApiToken) or limit is None:
            return True
        count, period = limit
        now = time.time()
        window = int(now // period)
        # Keyed on the token's hash, not its id: ids come back after a database restore.
        prefix = f"throttle:api-token:{token.key_hash[:20]}"
        current_key = f"{prefix}:{window}"
        try:
            current, previous = _count(current_key, f"{prefix}:{window - 1}", timeout=2 * period + 1)
        except RedisUnavailable:  # known to be down: the breaker logged it once
            return True
        except Exception as exc:  # cache down or hung: fail open, quickly (see redis_guard)
            logger.warning("API rate limit not checked, the cache is unavailable: %s", exc)
            return True
        elapsed = now / period - window  # share of the current window gone, in [0, 1)
        if previous * (1 - elapsed) + current <= count:
            return True
        with contextlib.suppress(Exception):  # without it the limit is only slightly stricter
            _uncount(current_key)  # a refused request does not use up the allowance
        self.retry_after = self._seconds_until_allowed(count, period, previous, current - 1, elapsed)
        return False

    @staticmethod
    def _seconds_until_allowed(count: int, period: int, previous: int, current: int, elapsed: float) -> float:
        """When one more request fits: the previous window's weight falls as time passes,
        and once `current` alone is the whole allowance, only the next window helps."""
        if current < count and previous > 0:
            fits_at = 1 - (count - current - 1) / previous  # elapsed share at which it fits
            return max((fits_at - elapsed) * period, 1.0)
        # Next window: `current` becomes the previous one and must have decayed enough.
        fits_at = 1 - (count - 1) / current if current else 0.0
        return max((1 - elapsed + max(fits_at, 0.0)) * period, 1.0)

    def wait(self) -> float | None:
        return None if self.retry_after is None else float(math.ceil(self.retry_after))
