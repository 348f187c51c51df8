"""Django's Redis cache, behind the Redis circuit breaker (nps_project/redis_guard.py).

While Redis is known to be down every call raises RedisUnavailable at once instead of
waiting out the socket timeout again. Callers already treat cache errors as "no cache"
(rate limits fail open, the bucket-flush flag is only an optimisation).
"""

import functools
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache

from nps_project.redis_guard import CONNECTION_ERRORS, RedisUnavailable, breaker_for

GUARDED_METHODS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)


def _guarded(name: str) -> Callable[..., Any]:
    method = getattr(RedisCache, name)

    @functools.wraps(method)
    def call(self: "GuardedRedisCache", *args: Any, **kwargs: Any) -> Any:
        breaker = breaker_for(self._servers[0])
        if not breaker.allow():
            raise RedisUnavailable(f"Redis cache skipped: {breaker.url.rsplit('@', 1)[-1]} did not answer recently")
        try:
            return method(self, *args, **kwargs)
        except CONNECTION_ERRORS as exc:
            breaker.failed(exc)
            raise

    return call


class GuardedRedisCache(RedisCache):
    pass


for _name in GUARDED_METHODS:
    setattr(GuardedRedisCache, _name, _guarded(_name))
