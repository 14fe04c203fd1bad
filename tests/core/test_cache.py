"""The Redis cache (CACHE_URL): shared counters work, with one redis-py client per pool."""


def test_redis_cache_round_trips_and_reuses_one_client(redis_cache):
    redis_cache.set("jctgov-test-key", {"votes": [1, 2]}, 30)
    assert redis_cache.get("jctgov-test-key") == {"votes": [1, 2]}
    assert redis_cache.add("jctgov-test-key", "other", 30) is False
    client = redis_cache._cache
    assert client.get_client() is client.get_client(write=True)
    redis_cache.delete("jctgov-test-key")
    assert redis_cache.get("jctgov-test-key") is None
