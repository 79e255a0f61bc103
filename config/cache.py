"""The cache: Redis when REDIS_URL is set, degrading to the process's own memory while Redis is away.

Every cache user sits on a request path (the online survey's rate limit, the dashboards' filtered
views), so a Redis that is down or hung must cost a request at most one short timeout, never a 500:
each operation that fails with a Redis error is logged (once per outage) and served by a per-process
LocMemCache, and Redis is not asked again for RETRY_AFTER seconds. What degrades: counters and cached
values are per process until Redis answers again (a rate limit counts per worker instead of for the
whole site); nothing is lost that a cache may not lose.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

logger = logging.getLogger(__name__)

# Seconds: how long connecting to or hearing from Redis may take, and how long a failure keeps it skipped.
SOCKET_TIMEOUT = 0.5
RETRY_AFTER = 10.0


class ResilientRedisCache(RedisCache):
    """Django's Redis cache with short socket timeouts, no retries, and a fallback in memory."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = {"socket_connect_timeout": SOCKET_TIMEOUT, "socket_timeout": SOCKET_TIMEOUT, "retry": Retry(NoBackoff(), 0), **params.get("OPTIONS", {})}
        super().__init__(server, {**params, "OPTIONS": options})
        self._fallback = LocMemCache(f"fallback:{server}", {key: value for key, value in params.items() if key != "OPTIONS"})
        self._skip_until = 0.0
        self._lock = threading.Lock()

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() >= self._skip_until:
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except RedisError as error:
                with self._lock:
                    if time.monotonic() >= self._skip_until:
                        logger.warning(
                            "Redis (bộ nhớ đệm) không trả lời: %s; dùng bộ nhớ của tiến trình trong %d giây", error, RETRY_AFTER
                        )
                    self._skip_until = time.monotonic() + RETRY_AFTER
            else:
                if self._skip_until:
                    self._skip_until = 0.0
                    logger.warning("Redis (bộ nhớ đệm) trả lời trở lại")
                return result
        return getattr(self._fallback, name)(*args, **kwargs)

    def add(self, *args: Any, **kwargs: Any) -> bool:
        return self._call("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> None:
        self._call("set", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> bool:
        return self._call("touch", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> bool:
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> int:
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> list[str]:
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> None:
        self._call("delete_many", *args, **kwargs)

    def clear(self) -> None:
        self._fallback.clear()
        self._call("clear")
