"""/healthz: is this deployment able to serve and to work? One JSON, no auth, no secrets.

It checks the database (a `SELECT 1`), Redis (a PING), and the last heartbeat of a worker of each queue
and of beat (written every 30 s and 10 s by config/celery.py). 200 when everything is green, 503
otherwise, so that a load balancer, systemd or a monitor can act on the status code alone. Errors are
named by their class only: no address, password or host leaves the server.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from units.heartbeats import BEAT, heartbeats_read, worker_heartbeat_name


def _timed(check) -> dict[str, Any]:
    start = time.monotonic()
    try:
        result = check() or {}
    except Exception as error:  # any failure is a red check, never a 500
        return {"ok": False, "error": type(error).__name__, "ms": round((time.monotonic() - start) * 1000)}
    return {"ok": True, "ms": round((time.monotonic() - start) * 1000), **result}


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _redis() -> dict[str, Any] | None:
    if not settings.REDIS_URL:
        return {"mode": "embedded"}
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return None


def _heartbeats() -> dict[str, dict[str, Any]]:
    """Age of the last sign of life of beat and of a worker on each queue; green when recent enough."""
    from config.celery import DEFAULT_QUEUE, HEAVY_QUEUE

    names = {"beat": BEAT, "worker": worker_heartbeat_name(DEFAULT_QUEUE), "heavy_worker": worker_heartbeat_name(HEAVY_QUEUE)}
    if settings.CELERY_TASK_ALWAYS_EAGER:  # the embedded mode: jobs run in the web process
        return {key: {"ok": True, "mode": "embedded"} for key in names}
    try:
        seen = heartbeats_read()
    except Exception as error:
        return {key: {"ok": False, "error": type(error).__name__} for key in names}
    now = timezone.now()
    limit = settings.HEALTH_HEARTBEAT_MAX_AGE
    checks = {}
    for key, name in names.items():
        at = seen.get(name)
        age = round((now - at).total_seconds()) if at else None
        checks[key] = {"ok": age is not None and age <= limit, "last": at.isoformat() if at else None, "age_seconds": age}
    return checks


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _timed(_database), "redis": _timed(_redis), **_heartbeats()}
    ok = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if ok else "fail", "time": timezone.now().isoformat(), "checks": checks}, status=200 if ok else 503)
