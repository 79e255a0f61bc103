"""/healthz, the request id and JSON logs: what an operator and a load balancer rely on."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from units.heartbeats import heartbeat_record
from units.models import Heartbeat

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def real_mode(settings):
    """What /healthz sees in production: jobs on workers, not in the web process."""
    settings.CELERY_TASK_ALWAYS_EAGER = False


def beats(*, age: dt.timedelta = dt.timedelta(0)) -> None:
    from config.celery import DEFAULT_QUEUE, HEAVY_QUEUE

    for name in ("beat", f"worker:{DEFAULT_QUEUE}", f"worker:{HEAVY_QUEUE}"):
        heartbeat_record(name=name)
        Heartbeat.objects.filter(name=name).update(at=timezone.now() - age)


def test_healthz_is_green_with_fresh_heartbeats_and_needs_no_login(client, db, real_mode):
    beats(age=dt.timedelta(seconds=30))
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok", body
    assert set(body["checks"]) == {"database", "redis", "beat", "worker", "heavy_worker"}
    assert body["checks"]["worker"]["age_seconds"] == 30
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_is_503_and_names_what_is_missing(client, db, real_mode):
    beats(age=dt.timedelta(minutes=10))
    Heartbeat.objects.filter(name="beat").delete()
    response = client.get(reverse("healthz"))
    body = response.json()
    assert response.status_code == 503 and body["status"] == "fail"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["beat"] == {"ok": False, "last": None, "age_seconds": None}
    assert body["checks"]["worker"]["ok"] is False and body["checks"]["worker"]["age_seconds"] == 600


def test_healthz_says_redis_is_down_without_leaking_its_address(client, db, real_mode, settings):
    beats()
    settings.REDIS_URL = "redis://:s3cret@127.0.0.1:1/0"  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["ok"] is False
    assert "s3cret" not in response.content.decode() and "127.0.0.1" not in response.content.decode()


def test_a_worker_heartbeat_task_records_its_queue(db):
    from units.tasks import worker_heartbeat

    worker_heartbeat.delay("nhe")
    assert Heartbeat.objects.get(name="worker:nhe").at > timezone.now() - dt.timedelta(seconds=5)


def test_every_response_carries_a_request_id_and_a_sane_incoming_one_is_kept(client, db):
    first = client.get(reverse("login"))["X-Request-ID"]
    assert len(first) == 32 and first != client.get(reverse("login"))["X-Request-ID"]
    assert client.get(reverse("login"), HTTP_X_REQUEST_ID="nginx-abc123def")["X-Request-ID"] == "nginx-abc123def"
    assert client.get(reverse("login"), HTTP_X_REQUEST_ID="bad id\nx")["X-Request-ID"] != "bad id\nx"


SCRIPT = """
import django, logging
django.setup()
from django.test import Client
from django.urls import path
logging.getLogger("hailong.test").warning("xin chào %s", "Khánh Hòa")
response = Client().get("/khong-co-trang-nay/", HTTP_X_REQUEST_ID="req-0123456789")
"""


def test_json_logs_carry_the_request_id(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", LOG_FORMAT="json", SQLITE_NAME=str(tmp_path / "db.sqlite3"))
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    hello = next(line for line in lines if line["logger"] == "hailong.test")
    assert hello["message"] == "xin chào Khánh Hòa" and hello["level"] == "WARNING" and hello["request_id"] == "-"
    not_found = next(line for line in lines if line["logger"] == "django.request")
    assert not_found["request_id"] == "req-0123456789"
