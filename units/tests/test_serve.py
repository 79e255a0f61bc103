"""`make serve` starts the production stack (gunicorn, worker, beat from the Procfile, DEBUG off) and
/healthz turns green: a database, Redis, beat and a worker on each queue (PostgreSQL + Redis only)."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import worker_env

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


def test_make_serve_runs_the_stack_and_healthz_turns_green(celery_queue, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = worker_env(
        SECRET_KEY=secrets.token_hex(32), BIND=f"127.0.0.1:{port}", CELERY_QUEUE=celery_queue, CELERY_HEAVY_QUEUE=f"{celery_queue}-heavy",
        BEAT_SCHEDULE_FILE=str(tmp_path / "beat"), WORKER_CONCURRENCY="1", WEB_CONCURRENCY="1", LOG_FORMAT="json",
    )
    env.pop("DEBUG", None)
    stack = subprocess.Popen(["make", "-o", ".venv/.installed", "serve"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, status, body = time.monotonic() + 180, 0, b""
        while time.monotonic() < deadline and stack.poll() is None:
            status, body = get(f"http://127.0.0.1:{port}/healthz")
            if status == 200:
                break
            time.sleep(2)
        assert status == 200, body.decode() or "the stack did not answer"
        checks = json.loads(body)["checks"]
        assert all(check["ok"] for check in checks.values()) and checks["heavy_worker"]["age_seconds"] < 60
        page_status, page = get(f"http://127.0.0.1:{port}/dang-nhap/")
        assert page_status == 200 and "Đăng nhập" in page.decode()
        css = page.decode().split('href="/static/')[1].split('"')[0]
        assert get(f"http://127.0.0.1:{port}/static/{css}")[0] == 200  # hashed static names, served by WhiteNoise
    finally:
        if stack.poll() is None:
            os.killpg(stack.pid, signal.SIGTERM)
        output = stack.communicate(timeout=60)[0].decode(errors="replace")
    assert '"request_id"' in output  # JSON log lines from the web process
