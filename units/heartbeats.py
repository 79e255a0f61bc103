"""Signs of life of the background processes: written by a periodic task on each queue and by beat's
scheduler (config/celery.py), read by /healthz (config/health.py)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from units.models import Heartbeat

BEAT = "beat"


def worker_heartbeat_name(queue: str) -> str:
    return f"worker:{queue}"


def heartbeat_record(*, name: str, host: str = "") -> None:
    """Note that `name` is alive now (one upsert; no audit row: this is not a change anyone made)."""
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now(), "host": host[:255]})


def heartbeats_read() -> dict[str, dt.datetime]:
    return dict(Heartbeat.objects.values_list("name", "at"))
