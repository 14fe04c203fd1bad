"""A Redis cache that degrades to "no cache" while Redis is unreachable.

What lives in the cache is disposable: rate-limit counters, rendered pages, de-duplication
markers of the beat. Votes, payouts and every other record are written to the database
synchronously, so a Redis restart must not turn a vote into a 500. While Redis is down, reads
miss, writes are dropped, ``add`` reports "not added" (the beat then skips a re-enqueue that
could not have reached the Redis broker anyway) and rate limits are not enforced; one warning
a minute says so. Short socket timeouts keep a dead Redis from stalling requests.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
_WARN_EVERY_S = 60.0
DEFAULT_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


class RedisCacheClient(DjangoRedisCacheClient):
    """One redis-py client per connection pool.

    Django's RedisCacheClient builds a new ``redis.Redis`` for every cache call, and redis-py 5
    fills a table of ~160 response callbacks in each: about 0.15 ms of CPU per call, twice per
    rate-limited request. A ``redis.Redis`` is thread-safe (each command borrows a connection
    from the pool), so one per pool is enough.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient


class ResilientRedisCache(RedisCache):
    _last_warning = 0.0

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = {**params, "OPTIONS": {**DEFAULT_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)

    def _unreachable(self, operation: str, exc: Exception, fallback: Any) -> Any:
        now = time.monotonic()
        if now - ResilientRedisCache._last_warning > _WARN_EVERY_S:
            ResilientRedisCache._last_warning = now
            logger.warning(
                "cache unreachable (%s: %s): serving without it; rate limits are off",
                operation,
                exc,
            )
        return fallback

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except _UNREACHABLE as exc:
            return self._unreachable("get", exc, default)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except _UNREACHABLE as exc:
            return self._unreachable("get_many", exc, {})

    def set(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except _UNREACHABLE as exc:
            self._unreachable("set", exc, None)

    def set_many(self, data: Any, timeout: Any = None, version: int | None = None) -> list[Any]:
        try:
            return super().set_many(data, timeout, version)
        except _UNREACHABLE as exc:
            return self._unreachable("set_many", exc, list(data))

    def add(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except _UNREACHABLE as exc:
            return self._unreachable("add", exc, False)

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except _UNREACHABLE as exc:
            return self._unreachable("delete", exc, False)

    def touch(self, key: Any, timeout: Any = None, version: int | None = None) -> bool:
        try:
            return super().touch(key, timeout, version)
        except _UNREACHABLE as exc:
            return self._unreachable("touch", exc, False)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().has_key(key, version)
        except _UNREACHABLE as exc:
            return self._unreachable("has_key", exc, False)
