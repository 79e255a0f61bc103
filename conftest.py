"""Fixtures shared by every app's tests: personas, a real Celery worker, a real browser."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.utils import translation

from units.access import SYSTEM
from units.models import Role, Unit, UnitType
from units.services import membership_grant, unit_save, unit_types_ensure

ROOT = Path(__file__).resolve().parent
# Playwright runs an event loop in the test thread; the ORM beside it must be allowed.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language: a request in English (config/locale.py activates the cookie's
    language) would otherwise leave English active in the test thread for the tests after it."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def unit_types(db) -> dict[str, UnitType]:
    unit_types_ensure()  # transactional tests flush the rows the data migration made
    return {t.code: t for t in UnitType.objects.all()}


@pytest.fixture
def make_unit(unit_types):
    def build(code: str, name: str | None = None, type_code: str = "commune", parent: Unit | None = None) -> Unit:
        return unit_save(unit=Unit(code=code, name=name or f"Đơn vị {code}", type=unit_types[type_code], parent=parent), actor=SYSTEM)

    return build


@pytest.fixture
def tree(make_unit) -> dict[str, Unit]:
    """Two provinces: A (with communes A1, A2 and a hospital under A's health department) and B (with B1)."""
    a = make_unit("A", "Tỉnh A", "province")
    b = make_unit("B", "Tỉnh B", "province")
    syt = make_unit("A-SYT", "Sở Y tế A", "department", a)
    return {
        "A": a,
        "B": b,
        "A1": make_unit("A1", "Xã A1", "commune", a),
        "A2": make_unit("A2", "Phường A2", "commune", a),
        "A-SYT": syt,
        "A-BV": make_unit("A-BV", "Bệnh viện A", "hospital", syt),
        "B1": make_unit("B1", "Xã B1", "commune", b),
    }


@pytest.fixture
def make_user(db):
    def build(username: str, role: str | None = None, unit: Unit | None = None, **extra) -> User:
        user = User.objects.create_user(username=username, password="secret-pass-123", **extra)
        if role and unit:
            membership_grant(user=user, unit=unit, role=role, actor=SYSTEM)
        return user

    return build


@pytest.fixture
def alice(make_user, tree) -> User:
    """An official of province A (the owner persona)."""
    return make_user("alice", Role.OFFICIAL, tree["A"])


@pytest.fixture
def bob(make_user, tree) -> User:
    """A read-only viewer of province A (the team-member persona)."""
    return make_user("bob", Role.VIEWER, tree["A"])


@pytest.fixture
def charlie(make_user, tree) -> User:
    """An official of province B (the outsider persona)."""
    return make_user("charlie", Role.OFFICIAL, tree["B"])


def _services_ready() -> bool:
    return bool(os.environ.get("REDIS_URL")) and connection.vendor == "postgresql"


def worker_env(**extra: str) -> dict[str, str]:
    """The environment of a worker process writing to this test's PostgreSQL database."""
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings", "CONN_MAX_AGE": "0", **extra}


def worker_start(queue: str, *, pool: str = "solo", module: str | None = None, **env: str) -> subprocess.Popen:
    """Start `celery worker` as production does, serving `queue` and its heavy queue (`queue`-heavy), in
    its own process group (so a test can kill it whole). `module`: a test module that wraps Celery's
    command line (e.g. to slow a job down so that it can be killed in the middle)."""
    command = ["-m", module] if module else ["-m", "celery"]
    return subprocess.Popen(
        [sys.executable, *command, "-A", "config", "worker", f"--pool={pool}", "--concurrency=1", "-Q", f"{queue},{queue}-heavy",
         "--loglevel=WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT,
        env=worker_env(CELERY_QUEUE=queue, CELERY_HEAVY_QUEUE=f"{queue}-heavy", **env),
        start_new_session=True,
    )


def worker_stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.wait(timeout=20)


@pytest.fixture
def real_services(transactional_db) -> None:
    """PostgreSQL and Redis, as in production; the test is skipped in the embedded run."""
    if not _services_ready():
        pytest.skip("cần REDIS_URL và PostgreSQL (DATABASE_URL) — chạy trong bộ kiểm thử dịch vụ thật của .ci/run")


@pytest.fixture
def celery_queue(real_services) -> Iterator[str]:
    """A queue name of this test's own, which this process sends to (heavy tasks to `queue`-heavy)."""
    from config.celery import app, task_routes

    def route(default_queue: str, routes: dict) -> None:
        app.conf.task_default_queue, app.conf.task_routes = default_queue, routes
        app.amqp.flush_routes()
        app.amqp.__dict__.pop("router", None)  # a cached property built from the routes

    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    previous = (app.conf.task_default_queue, app.conf.task_routes)
    route(queue, task_routes(f"{queue}-heavy"))
    app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        route(*previous)
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture
def celery_worker_process(celery_queue) -> Iterator[subprocess.Popen]:
    """A real `celery worker` process on Redis, writing to this test's PostgreSQL database."""
    process = worker_start(celery_queue)
    try:
        yield process
    finally:
        worker_stop(process)


class _OneRequestAtATime:
    """The live server's application, one request at a time, its response closed inside the lock.

    On SQLite the live server's threads share the test's in-memory connection, so two requests at once (a page
    and its fetch) would interleave their transactions on one connection ("on_commit() cannot be used in manual
    transaction management"), and a request still running when its test ends (a recompute after a save, the
    `request_finished` signal closing old connections) would meet the next test's flush. `idle()` waits for the
    request in progress."""

    lock = threading.Lock()

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        with self.lock:
            result = self.app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()  # Django's request_finished runs here, still inside the lock
        return [body]

    @classmethod
    def idle(cls, timeout: float = 60) -> None:
        if cls.lock.acquire(timeout=timeout):
            cls.lock.release()


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest):
    """pytest-django's live server, its requests served one at a time (see _OneRequestAtATime)."""
    from django.core.servers.basehttp import ThreadedWSGIServer
    from pytest_django.live_server_helper import LiveServer

    class Server(ThreadedWSGIServer):
        def set_app(self, application):
            super().set_app(_OneRequestAtATime(application))

    server = LiveServer(request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost", start=False)
    server.thread.server_class = Server
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _live_server_quiet_at_end(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that used the live server ends with its browser pages closed and no request in progress, before
    its database is flushed."""
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")  # set up before this fixture, so flushed after it
    yield
    if "chromium" in request.fixturenames:
        for context in request.getfixturevalue("chromium").contexts:
            context.close()
    _OneRequestAtATime.idle()


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright (Playwright cannot download browsers here)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium chưa được cài: chạy `make browser` (apt-get install chromium).")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _test_database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def gunicorn_server(transactional_db) -> Iterator[Callable[..., str]]:
    """Start gunicorn as production does, on this test's PostgreSQL database; `start(**env)` returns its
    base URL. Environment overrides are strings (e.g. REDIS_URL, CONN_MAX_AGE)."""
    if connection.vendor != "postgresql":
        pytest.skip("cần PostgreSQL (DATABASE_URL): máy chủ chạy trong một tiến trình khác")
    servers: list[subprocess.Popen] = []

    def start(workers: int = 1, **overrides: str) -> str:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env.update(DATABASE_URL=_test_database_url(), DJANGO_SETTINGS_MODULE="config.settings", DEBUG="1", **overrides)
        command = [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "--workers", str(workers), "--log-level", "warning"]
        servers.append(subprocess.Popen(command, cwd=ROOT, env=env))
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return f"http://127.0.0.1:{port}"
            except OSError:
                if time.monotonic() > deadline or servers[-1].poll() is not None:
                    raise
                time.sleep(0.2)

    yield start
    for server in servers:
        server.terminate()
        server.wait(timeout=20)
