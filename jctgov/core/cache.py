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
from collections.abc import Callable
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
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # private, unstubbed
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))  # type: ignore[attr-defined]
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


# What each cache operation answers while Redis is unreachable, from its own arguments.
_WHILE_UNREACHABLE: dict[str, Callable[..., Any]] = {
    "get": lambda key, default=None, version=None: default,
    "get_many": lambda *args, **kwargs: {},
    "has_key": lambda *args, **kwargs: False,
    "set": lambda *args, **kwargs: None,
    "set_many": lambda data, *args, **kwargs: list(data),  # the keys not stored
    "add": lambda *args, **kwargs: False,  # "not added": callers skip their one-time work
    "touch": lambda *args, **kwargs: False,
    "delete": lambda *args, **kwargs: False,
}


def _degrading(name: str, fallback: Callable[..., Any]) -> Callable[..., Any]:
    parent = getattr(RedisCache, name)

    def operation(self: ResilientRedisCache, *args: Any, **kwargs: Any) -> Any:
        try:
            return parent(self, *args, **kwargs)
        except _UNREACHABLE as exc:
            return self._unreachable(name, exc, fallback(*args, **kwargs))

    operation.__name__ = operation.__qualname__ = name
    return operation


for _name, _fallback in _WHILE_UNREACHABLE.items():
    setattr(ResilientRedisCache, _name, _degrading(_name, _fallback))
