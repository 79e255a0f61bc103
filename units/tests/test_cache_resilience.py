"""The cache heals: with Redis down or hung, every cache call is served from the process's memory after
at most one short timeout, logged once, and Redis is used again once it answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from config import cache as cache_module
from config.cache import ResilientRedisCache

ROOT = Path(__file__).resolve().parents[2]
CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.fixture
def hung_redis() -> Iterator[str]:
    """A server that accepts connections and never answers: a Redis that hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


def test_every_operation_works_while_redis_is_down_and_the_outage_is_logged_once(caplog):
    cache = ResilientRedisCache(CLOSED_PORT, {})
    with caplog.at_level("WARNING", logger="config.cache"):
        assert cache.add("a", 1) is True and cache.add("a", 2) is False
        assert cache.incr("a") == 2 and cache.get("a") == 2 and cache.has_key("a")
        cache.set("b", "x")
        cache.set_many({"c": 3, "d": 4})
        assert cache.get_many(["b", "c", "d"]) == {"b": "x", "c": 3, "d": 4}
        assert cache.get_or_set("e", lambda: 5) == 5 and cache.get("e") == 5
        assert cache.touch("e", 10) and cache.delete("e") and cache.get("e") is None
        cache.delete_many(["b", "c"])
        assert cache.get("b") is None
        with pytest.raises(ValueError):
            cache.incr("missing")  # as Django's caches say of a missing key
        cache.clear()
        assert cache.get("a") is None
    outages = [record for record in caplog.records if "không trả lời" in record.getMessage()]
    assert len(outages) == 1 and outages[0].levelname == "WARNING"


def test_a_hung_redis_costs_one_short_timeout_then_nothing(hung_redis):
    cache = ResilientRedisCache(hung_redis, {})
    started = time.monotonic()
    assert cache.add("k", 1) is True
    first = time.monotonic() - started
    started = time.monotonic()
    for _ in range(50):
        cache.incr("k")
    assert first < cache_module.SOCKET_TIMEOUT * 2 + 0.5
    assert time.monotonic() - started < 0.2  # skipped for RETRY_AFTER seconds: no timeout per call
    assert cache.get("k") == 51


def test_redis_is_asked_again_after_the_pause(monkeypatch):
    cache = ResilientRedisCache(CLOSED_PORT, {})
    asked = []
    monkeypatch.setattr(ResilientRedisCache.__mro__[1], "get", lambda self, key, default=None, version=None: asked.append(key) or "from redis")
    cache._skip_until = time.monotonic() + 60  # an outage just seen
    assert cache.get("k") is None and asked == []
    cache._skip_until = time.monotonic() - 1  # the pause is over
    assert cache.get("k") == "from redis" and asked == ["k"] and cache._skip_until == 0.0


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="cần REDIS_URL (bộ kiểm thử dịch vụ thật)")
def test_with_a_live_redis_values_are_shared_through_it():
    writer, reader = ResilientRedisCache(os.environ["REDIS_URL"], {}), ResilientRedisCache(os.environ["REDIS_URL"], {})
    writer.set("hl:test:shared", 7, 30)
    assert reader.get("hl:test:shared") == 7
    writer.delete("hl:test:shared")


def test_a_process_started_with_redis_down_uses_its_cache_and_says_so():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", REDIS_URL=CLOSED_PORT)
    code = "from django.core.cache import caches; cache = caches['default']; cache.set('a', 41); cache.incr('a'); print(type(cache).__name__, cache.get('a'))"
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "ResilientRedisCache 42" in result.stdout
    assert "Redis (bộ nhớ đệm) không trả lời" in result.stderr
