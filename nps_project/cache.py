"""Django's Redis cache, without building a new redis-py client object for every call.

Django's RedisCacheClient wraps its connection pool in a fresh `redis.Redis` on each
get/set/add: about a millisecond of CPU, more than the round trip to Redis. The public
survey page reads the cache on every request (the link-guessing limit), so the backend
here keeps one client per pool; caches are per thread in Django, and a client over a
pool is safe to reuse.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


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
