"""Cache backends: Django's Redis backend keeping one redis-py client per connection pool, and a process-local
memory cache without pickling (for immutable values).

Django's RedisCacheClient builds a new `redis.Redis` object (and its table of response callbacks) for
every cache operation; the client is thread-safe and cheap to keep, so this backend builds it once per
pool. Everything else is Django's.
"""

from __future__ import annotations

from types import MappingProxyType

from django.core.cache.backends import redis as django_redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient


class ImmutableLocMemCache(LocMemCache):
    """Django's process-local memory cache, holding values as they are instead of pickled copies.

    LocMemCache pickles every value so that a caller cannot change the stored copy; for the values
    kept here (rendered pages, snapshot heads) that costs more than the rest of a cached page view.
    Only immutable values are accepted (str, bytes, numbers, None, read-only mappings), so handing out
    the stored object itself is as safe. Everything else (expiry, culling, locking) is Django's.
    """

    IMMUTABLE = (str, bytes, int, float, bool, type(None), MappingProxyType)

    def _check(self, value):
        if not isinstance(value, self.IMMUTABLE):
            raise TypeError(f"{type(self).__name__} holds immutable values only, not {type(value).__name__}")
        return value

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        value = self._check(value)
        with self._lock:
            if self._has_expired(key):
                self._set(key, value, timeout)
                return True
            return False

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                return default
            value = self._cache[key]
            self._cache.move_to_end(key, last=False)
        return value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        value = self._check(value)
        with self._lock:
            self._set(key, value, timeout)

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                raise ValueError(f"Key '{key}' not found")
            value = self._check(self._cache[key] + delta)
            self._cache[key] = value
            self._cache.move_to_end(key, last=False)
        return value
