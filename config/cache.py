"""The cache: Redis while it answers, the database while it does not (ADR 22).

Rate limits (allauth), TOTP replay protection and the public pages' cached figures all live in
the cache, so a cache that raised when Redis stopped turned sign-in and the public pages into
500s. FallbackCache asks Redis with short timeouts; on a connection error it answers from the
database cache for a while before asking Redis again, so one outage costs each process one
short timeout, not one per request. Entries written during the outage live in the database;
entries Redis kept from before it expire on their own timeout.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class FallbackCache(BaseCache):
    """LOCATION is the Redis URL; OPTIONS: FALLBACK_TABLE (the database cache's table),
    RETRY_AFTER (seconds before Redis is asked again after a failure) and SOCKET_TIMEOUT."""

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        options = dict(params.get("OPTIONS", {}))
        table = options.pop("FALLBACK_TABLE")
        self.retry_after = float(options.pop("RETRY_AFTER", 30))
        timeout = float(options.pop("SOCKET_TIMEOUT", 0.5))
        shared = {key: value for key, value in params.items() if key != "OPTIONS"}
        redis_options = {"socket_connect_timeout": timeout, "socket_timeout": timeout, "retry_on_timeout": False}
        self.primary = RedisCache(location, {**shared, "OPTIONS": {**redis_options, **options}})
        self.fallback = DatabaseCache(table, shared)
        self._redis_down_until = 0.0

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() >= self._redis_down_until:
            try:
                return getattr(self.primary, method)(*args, **kwargs)
            except REDIS_ERRORS as error:
                logger.warning("Cache: Redis unreachable (%s); the database serves for %ss", error, self.retry_after)
                self._redis_down_until = time.monotonic() + self.retry_after
        return getattr(self.fallback, method)(*args, **kwargs)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return bool(self._call("add", key, value, timeout, version))

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._call("get", key, default, version)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._call("set", key, value, timeout, version)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return bool(self._call("touch", key, timeout, version))

    def delete(self, key: Any, version: int | None = None) -> bool:
        return bool(self._call("delete", key, version))

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return dict(self._call("get_many", keys, version))

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return bool(self._call("has_key", key, version))

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return int(self._call("incr", key, delta, version))

    def set_many(self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        return list(self._call("set_many", data, timeout, version))

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._call("delete_many", keys, version)

    def clear(self) -> None:
        self._call("clear")

    def close(self, **kwargs: Any) -> None:
        self.primary.close(**kwargs)
        self.fallback.close(**kwargs)
