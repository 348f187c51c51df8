"""Django's Redis cache, reusing its client objects and behind the Redis circuit breaker.

Client reuse: Django's RedisCacheClient wraps its connection pool in a fresh `redis.Redis`
on each get/set/add: about a millisecond of CPU, more than the round trip to Redis. The
public survey page reads the cache on every request (the link-guessing limit), so the
backend keeps one client per pool; caches are per thread in Django, and a client over a
pool is safe to reuse.

Circuit breaker (nps_project/redis_guard.py): while Redis is known to be down every call
raises RedisUnavailable at once instead of waiting out the socket timeout again. Callers
already treat cache errors as "no cache" (rate limits fail open, the bucket-flush flag is
only an optimisation).
"""

import functools
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

from nps_project.redis_guard import CONNECTION_ERRORS, RedisUnavailable, breaker_for


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient


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
