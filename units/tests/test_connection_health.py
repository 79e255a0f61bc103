"""Connections that heal: a kept PostgreSQL connection that the database dropped is reopened, not a 500.

Started as production runs it (gunicorn, CONN_MAX_AGE, the settings read from DATABASE_URL); the test
client never reuses connections between requests, so only a real server shows this.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (our own test server)
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_requests_after_the_database_dropped_every_idle_connection_are_served():
    if connection.vendor != "postgresql":
        pytest.skip("cần PostgreSQL (DATABASE_URL)")
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings", CONN_MAX_AGE="600", DEBUG="1")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    page = f"http://127.0.0.1:{port}/ket-qua/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                first = _status(page)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert first == 200
        assert [_status(page) for _ in range(6)] == [200] * 6  # both workers now keep a connection
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            assert cursor.fetchone()[0] >= 1
        assert [_status(page) for _ in range(10)] == [200] * 10
    finally:
        server.terminate()
        server.wait(timeout=20)
