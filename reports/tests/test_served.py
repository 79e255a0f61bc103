"""The portal started as its own processes, as `make run` and production start it, and used over HTTP:
a response submitted through the API reaches the leadership dashboard with nothing else done.

This is the test that would have caught the recompute that never ran: the web process never imported
the recompute task, while the test process did. Here nothing is imported into the server; it is a fresh
interpreter, seeded by the same commands an operator runs (`migrate`, `load_demo`, `create_api_token`).
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from conftest import ROOT

DEMO_PASSWORD = "hailong2026"

# Run inside the portal's own environment (manage.py shell): one valid submission for the demo enumerator,
# at a quota cell whose channel window is open today, answered at the top of every scale.
PICK_SUBMISSION = """
import json
from django.contrib.auth.models import User
from campaigns.models import Channel
from surveys.models import QuestionType
from surveys.enumerator_home import enumerator_quotas
from surveys.selectors import compiled_form, open_window, today_local
from surveys.services.answers import answers_validate

user = User.objects.get(username="dieutravien")
for cell in enumerator_quotas(user=user):
    quota = cell.quota
    if quota.channel == Channel.ONLINE or not open_window(campaign=quota.campaign, channel=quota.channel, unit=quota.unit, on=today_local()):
        continue
    form = compiled_form(quota.form.questionnaire)
    answers = {}
    for code, q in form.questions.items():
        levels = [c.value for c in q.choices if c.value not in q.missing_codes]
        if q.type in (QuestionType.LIKERT5, QuestionType.LIKERT4, QuestionType.SINGLE, QuestionType.YES_NO) and levels:
            answers[code] = max(levels)
        elif q.type == QuestionType.NUMBER:
            answers[code] = int(q.min_value or 0) + 1
    for _ in range(3):
        errors = answers_validate(form=form, answers=answers, draft=False).errors
        if not errors:
            break
        for key in errors:
            answers.pop(key.removeprefix("answers."), None)
    print(json.dumps({"campaign": quota.campaign.code, "unit": quota.unit.code, "channel": quota.channel, "form": quota.form_id, "answers": answers}))
    break
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Tiến trình {process.args[:4]} đã dừng (mã {process.returncode}).")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.2)
    pytest.fail(f"Cổng {port} không mở sau {seconds} s.")


class Portal:
    """A portal's environment (its own database, media and, with services, Redis) and its processes."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env = env
        self.workdir = workdir
        self.processes: list[subprocess.Popen] = []
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = (self.workdir / f"{name}.log").open("wb")
        process = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def serve(self) -> None:
        """The web server as `make run` starts it (runserver; --noreload so that stopping it stops it all)."""
        web = self.start("web", [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"])
        wait_for_port(self.port, web)

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def logs(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}" for log in sorted(self.workdir.glob("*.log")))


class Browser:
    """A signed-in user's cookies over plain HTTP."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def login(self, username: str) -> None:
        page = self.get("/dang-nhap/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(self.base + "/dang-nhap/", data=body, headers={"Referer": self.base + "/dang-nhap/"})
        with self.opener.open(request, timeout=30) as response:
            assert "/dang-nhap/" not in response.geturl(), f"{username} không đăng nhập được"


def submit(base: str, key: str, payload: dict) -> tuple[int, dict]:
    body = json.dumps({**payload, "uuid": str(uuid.uuid4()), "status": "submitted"}).encode()
    request = urllib.request.Request(
        base + "/api/v1/responses/", data=body, method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read() or b"{}")


def dashboard_state(browser: Browser, campaign: str) -> tuple[int, str]:
    """(counted responses, "computed at" text) as the leadership dashboard shows them."""
    page = browser.get(f"/bao-cao/{campaign}/")
    count = re.search(r'id="responses">([\d.]+)<', page).group(1)
    computed = re.search(r'id="computed-at">([^<]+)<', page).group(1).strip()
    return int(count.replace(".", "")), computed


def seed(portal: Portal) -> tuple[str, dict]:
    """Migrate, load the demo, make the enumerator's API key; return the key and a valid submission."""
    portal.manage("migrate", "--noinput")
    portal.manage("load_demo")
    key = portal.manage("create_api_token", "dieutravien", "--name", "kiểm thử đầu cuối").strip().splitlines()[-1].strip()
    payload = json.loads(portal.manage("shell", "-c", PICK_SUBMISSION).strip().splitlines()[-1])
    assert payload["answers"], payload
    return key, payload


def wait_until(condition, seconds: float, portal: Portal, what: str):
    deadline = time.monotonic() + seconds
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{what} không xảy ra trong {seconds} s.\n{portal.logs()}")
        time.sleep(0.5)


@pytest.fixture
def embedded_portal(tmp_path) -> Iterator[Portal]:
    """The embedded default, as `make run` has it: a SQLite file, Celery eager, no broker."""
    env = {
        key: value for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "PYTEST_CURRENT_TEST"}
    }
    env.update({"SQLITE_NAME": str(tmp_path / "portal.sqlite3"), "MEDIA_ROOT": str(tmp_path / "media"), "DEMO_RESPONSES": "60", "PYTHONUNBUFFERED": "1"})
    portal = Portal(env, tmp_path)
    try:
        yield portal
    finally:
        portal.stop()


def test_a_submission_reaches_the_dashboard_of_a_served_portal_with_nothing_else_done(embedded_portal):
    key, payload = seed(embedded_portal)
    embedded_portal.serve()
    leader = Browser(embedded_portal.base)
    leader.login("lanhdao")
    before = dashboard_state(leader, payload["campaign"])
    time.sleep(1.1)  # "computed at" shows seconds: let a new computation show a new time

    status, body = submit(embedded_portal.base, key, payload)
    assert status == 201, f"{body}\n{embedded_portal.logs()}"
    after = wait_until(
        lambda: (state := dashboard_state(leader, payload["campaign"]))[0] == before[0] + 1 and state, 5, embedded_portal, "Dashboard cập nhật"
    )
    assert after[1] != before[1], (before, after)


# ------------------------------------------------------------------------------------------------
# The same on real services: PostgreSQL, Redis, a worker with beat; and Redis restarted on the way
# ------------------------------------------------------------------------------------------------


def start_redis(portal: Portal, port: int) -> subprocess.Popen:
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    process = portal.start(f"redis-{time.monotonic_ns()}", [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
    wait_for_port(port, process, 20)
    return process


@pytest.fixture
def served_portal(tmp_path) -> Iterator[Portal]:
    """PostgreSQL (a new database of its own), its own Redis, the web server and a worker with beat."""
    if not os.environ.get("REDIS_URL") or connection.vendor != "postgresql":
        pytest.skip("cần REDIS_URL và PostgreSQL (DATABASE_URL) — chạy trong bộ kiểm thử dịch vụ thật của .ci/run")
    db = settings.DATABASES["default"]
    name = f"hailong_served_{os.getpid()}_{time.monotonic_ns() % 10**6}"
    admin = subprocess.run(["psql", "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"], "-d", "postgres", "-qc", f'CREATE DATABASE "{name}"'], capture_output=True, text=True, check=False)
    assert admin.returncode == 0, admin.stderr
    redis_port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_SETTINGS_MODULE", "PYTEST_CURRENT_TEST"}}
    env.update({
        "DATABASE_URL": f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "MEDIA_ROOT": str(tmp_path / "media"), "DEMO_RESPONSES": "60", "CONN_MAX_AGE": "0", "PYTHONUNBUFFERED": "1",
    })
    portal = Portal(env, tmp_path)
    portal.redis_port = redis_port
    portal.redis = start_redis(portal, redis_port)
    try:
        yield portal
    finally:
        portal.stop()
        subprocess.run(["psql", "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"], "-d", "postgres", "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], capture_output=True, check=False)


@pytest.mark.services
def test_with_a_worker_and_beat_a_submission_reaches_the_dashboard_also_across_a_redis_restart(served_portal):
    portal = served_portal
    key, payload = seed(portal)
    portal.serve()
    worker = portal.start("worker", [sys.executable, "-m", "celery", "-A", "config", "worker", "-B", "--concurrency=1", "--loglevel=INFO", "-s", str(portal.workdir / "beat-schedule")])
    leader = Browser(portal.base)
    leader.login("lanhdao")
    campaign = payload["campaign"]
    before = dashboard_state(leader, campaign)

    status, body = submit(portal.base, key, payload)
    assert status == 201, f"{body}\n{portal.logs()}"
    # The count of responses is live; the figures are the worker's: wait for both (the worker may still be starting).
    first = wait_until(
        lambda: (s := dashboard_state(leader, campaign))[0] == before[0] + 1 and s[1] != before[1] and s, 70, portal, "Worker tính lại sau khi nộp phiếu"
    )

    # Redis goes away during a submission: the submission is saved all the same, and once Redis is back
    # the worker and beat's sweep bring the dashboard up to date without anyone acting.
    os.killpg(portal.redis.pid, signal.SIGKILL)
    portal.redis.wait()
    status, body = submit(portal.base, key, payload)
    assert status == 201, f"{body}\n{portal.logs()}"
    time.sleep(2)
    portal.redis = start_redis(portal, portal.redis_port)
    restarted = time.monotonic()
    wait_until(
        lambda: (s := dashboard_state(leader, campaign))[0] == before[0] + 2 and s[1] != first[1] and s, 70, portal, "Tính lại sau khi Redis khởi động lại"
    )
    assert worker.poll() is None, portal.logs()
    print(f"dashboard up to date {time.monotonic() - restarted:.1f} s after Redis came back")
