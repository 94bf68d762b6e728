"""core.cache.RedisCache: Django's Redis backend with one client per pool, against a real Redis."""

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
