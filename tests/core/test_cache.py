"""core.cache: Django's Redis backend with one client per pool (against a real Redis), and the
process-local cache that keeps immutable values unpickled."""

import pytest

from core.cache import RedisCache


def test_redis_cache_round_trips_and_reuses_its_client(redis_url):
    cache = RedisCache(redis_url, {"KEY_PREFIX": "expoplan-test-cache"})
    cache.set("answer", {"figure": 270}, timeout=30)
    assert cache.get("answer") == {"figure": 270}
    assert cache.add("answer", 1) is False
    cache.set("counter", 0)
    assert cache.incr("counter") == 1
    client = cache._cache.get_client()
    assert cache._cache.get_client() is client
    assert cache._cache.get_client(write=True) is client  # one server: one pool, one client
    cache.delete_many(["answer", "counter"])
    assert cache.get("answer") is None


def test_the_local_cache_keeps_immutable_values_as_they_are():
    from types import MappingProxyType

    from django.core.cache import caches

    local = caches["local"]
    page = b"<html>" * 1000
    local.set("page", page)
    assert local.get("page") is page  # no pickled copy
    head = MappingProxyType({"id": 1, "stale": False})
    assert local.add("head", head) and not local.add("head", head)
    assert local.get("head")["id"] == 1
    local.set("n", 1)
    assert local.incr("n", 2) == 3
    with pytest.raises(TypeError, match="immutable values only"):
        local.set("mutable", {"id": 1})
    with pytest.raises(TypeError, match="immutable values only"):
        local.add("mutable", [1])
    assert local.get("mutable") is None
