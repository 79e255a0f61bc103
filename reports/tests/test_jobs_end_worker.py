"""Jobs that always end, with real worker processes (PostgreSQL + Redis): a worker killed in the middle of
an export or of a recompute chunk, a Redis restart with work queued, a statement stuck on a lock.

The worker processes are started as production starts them (`celery -A config worker`), in their own
process group, and killed whole with SIGKILL; the sweeps run in this process with a short lease. The
Redis of the restart test is this test's own `redis-server` on a free port.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator

import psycopg2
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import worker_start, worker_stop
from reports import exports, tasks
from reports.models import ExportJob, ExportStatus, IndexValue, RecomputeChunk, RecomputeRun, Tally
from reports.selectors import index_tables
from reports.services import index_recompute
from reports.tests.factories import campaign_across_channels
from reports.tests.factories_dashboard import dashboard_data_build
from units.import_jobs import imports_sweep
from units.models import ImportJob, ImportStatus, Unit
from units.tests.xlsx import xlsx_bytes

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
SLOW = "reports.tests.slow_worker"
FAST_LEASE = {"JOB_HEARTBEAT_SECONDS": "1"}


@pytest.fixture(autouse=True)
def short_lease(settings, tmp_path):
    """The sweeps in this process count a worker dead 3 s after its last renewal (it renews every second)."""
    settings.JOB_LEASE_SECONDS = 3
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def workers(celery_queue) -> Iterator[Callable[..., subprocess.Popen]]:
    started: list[subprocess.Popen] = []

    def start(**kwargs) -> subprocess.Popen:
        env = {"MEDIA_ROOT": str(django_settings.MEDIA_ROOT), **FAST_LEASE, **kwargs.pop("env", {})}
        process = worker_start(celery_queue, **kwargs, **env)
        started.append(process)
        return process

    yield start
    for process in started:
        worker_stop(process)


def kill(process: subprocess.Popen) -> None:
    """The machine's view of a crash: every process of the worker gets SIGKILL, nothing is cleaned up."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def wait_until(condition: Callable[[], bool], seconds: float, *, every: Callable[[], object] | None = None) -> float:
    """Poll until `condition` holds (calling `every` between polls, e.g. a sweep); return the seconds it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > seconds:
            pytest.fail(f"không xong trong {seconds} giây")
        if every:
            every()
        time.sleep(0.5)
    return time.monotonic() - start


def job_now(job: ExportJob) -> ExportJob:
    job.refresh_from_db()
    return job


def csv_lines(job: ExportJob) -> int:
    with job.file.open("rb") as handle:
        return handle.read().decode("utf-8-sig").count("\n")


def test_a_worker_killed_mid_export_the_export_ends_failed_and_thu_lai_works(workers, client, alice, tree, settings):
    settings.EXPORT_MAX_ATTEMPTS = 1
    dashboard_data_build(tree)
    first = workers(pool="prefork", module=SLOW, env={"HL_SLOW_EXPORT": "120"})
    client.force_login(alice)
    client.post(reverse("reports:export_create", args=["ks-2026"]), {"kind": "raw_csv"})
    job = ExportJob.objects.get()
    wait_until(lambda: job_now(job).progress == 10, 60)
    started = job.heartbeat_at
    wait_until(lambda: job_now(job).heartbeat_at > started, 10)  # the running worker renews its lease
    kill(first)
    second = workers()
    took = wait_until(lambda: job_now(job).status == ExportStatus.FAILED, 120, every=exports.exports_sweep)
    assert "dừng đột ngột" in job.error and took < 60
    status = client.get(reverse("reports:export_status", args=[job.pk])).json()
    assert status["retryable"] and not status["ready"]
    assert client.post(reverse("reports:export_retry", args=[job.pk])).status_code == 302
    wait_until(lambda: job_now(job).status == ExportStatus.DONE, 120)
    assert (job.attempts, job.error, csv_lines(job)) == (1, "", 61)
    assert second.poll() is None


def test_a_worker_killed_mid_export_the_sweep_gives_it_to_another_worker(workers, client, alice, tree):
    dashboard_data_build(tree)
    first = workers(module=SLOW, env={"HL_SLOW_EXPORT": "120"})
    client.force_login(alice)
    client.post(reverse("reports:export_create", args=["ks-2026"]), {"kind": "raw_csv"})
    job = ExportJob.objects.get()
    wait_until(lambda: job_now(job).progress == 10, 60)
    kill(first)
    workers()
    took = wait_until(lambda: job_now(job).status == ExportStatus.DONE, 120, every=exports.exports_sweep)
    assert (job.attempts, job.error, csv_lines(job)) == (2, "", 61)
    assert took < 90


def test_a_worker_killed_mid_import_the_sweep_gives_it_to_another_worker(workers, client, alice, tree, settings):
    """A large unit import (a job) whose worker is killed inside its transaction: nothing was saved, the
    sweep sends it to another worker, which imports every row from the stored file."""
    settings.IMPORT_BACKGROUND_ROWS = 5
    rows = [["code", "name", "type", "parent_code"], *[[f"A-K{n}", f"Khối {n}", "agency", "A"] for n in range(40)]]
    upload = SimpleUploadedFile("don-vi.xlsx", xlsx_bytes(rows))
    first = workers(module=SLOW, env={"HL_SLOW_IMPORT": "120"})
    client.force_login(alice)
    client.post(reverse("admin:units_unit_import"), {"file": upload})
    job = ImportJob.objects.get()
    wait_until(lambda: job_now(job).progress == 70, 60)  # validated, saving (slowed down)
    started = job.heartbeat_at
    wait_until(lambda: job_now(job).heartbeat_at > started, 10)  # the running worker renews its lease
    kill(first)
    assert not Unit.objects.filter(code__startswith="A-K").exists()
    workers()
    took = wait_until(lambda: job_now(job).status == ImportStatus.DONE, 120, every=imports_sweep)
    assert (job.attempts, job.message, bool(job.file)) == (2, "Đã nhập 40 đơn vị.", False)
    assert Unit.objects.filter(code__startswith="A-K").count() == 40
    assert took < 90


def test_a_worker_killed_mid_recompute_chunk_the_run_ends_with_exact_tables(workers, tree):
    campaign = campaign_across_channels(tree)
    index_recompute(campaign.pk, full=True)
    synchronous = index_tables(campaign)
    Tally.objects.filter(campaign=campaign).delete()
    IndexValue.objects.filter(snapshot__campaign=campaign).delete()

    first = workers(module=SLOW, env={"HL_SLOW_CHUNK": "120"})
    tasks.recompute_campaign_chunked.delay(campaign.pk)
    wait_until(lambda: RecomputeChunk.objects.filter(attempts=1).exists(), 60)  # a chunk is being computed
    kill(first)
    workers()
    took = wait_until(lambda: RecomputeRun.objects.filter(campaign=campaign, finished_at__isnull=False).exists(), 120, every=tasks.sweep_dirty)
    assert index_tables(campaign) == synchronous
    assert took < 90  # was 15 minutes before the lease
    assert RecomputeChunk.objects.filter(attempts=2).count() == 1


# ------------------------------------------------------------------------------------------------ Redis restart


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_start(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    wait_until(lambda: _pings(client), 20)
    return process


def _pings(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


@pytest.fixture
def own_redis(celery_queue) -> Iterator[dict]:
    """This test's own Redis, which this process's Celery app sends to; the machine's Redis is untouched."""
    from config.celery import app

    port = free_port()
    state = {"port": port, "url": f"redis://127.0.0.1:{port}/0", "process": redis_start(port)}
    previous = app.conf.broker_url
    app.conf.broker_url = state["url"]
    app._pool = app.amqp._producer_pool = None
    try:
        yield state
    finally:
        app.conf.broker_url = previous
        app._pool = app.amqp._producer_pool = None
        state["process"].kill()
        state["process"].wait(timeout=10)


def test_an_export_queued_before_a_redis_restart_is_sent_again_and_ends(workers, own_redis, client, alice, tree, settings, celery_queue):
    import redis

    dashboard_data_build(tree)
    worker = workers(module=SLOW, env={"HL_SLOW_EXPORT": "6", "REDIS_URL": own_redis["url"]})
    client.force_login(alice)
    client.post(reverse("reports:export_create", args=["ks-2026"]), {"kind": "raw_csv"})
    busy = ExportJob.objects.get()
    wait_until(lambda: job_now(busy).status == ExportStatus.RUNNING, 60)
    client.post(reverse("reports:export_create", args=["ks-2026"]), {"kind": "raw_csv"})
    queued = ExportJob.objects.exclude(pk=busy.pk).get()
    assert queued.sent_at is not None
    assert redis.Redis(port=own_redis["port"]).llen(f"{celery_queue}-heavy") == 1

    own_redis["process"].kill()  # Redis restarts without persistence: the queued message is gone
    own_redis["process"].wait(timeout=10)
    own_redis["process"] = redis_start(own_redis["port"])
    assert redis.Redis(port=own_redis["port"]).llen(f"{celery_queue}-heavy") == 0

    wait_until(lambda: job_now(busy).status == ExportStatus.DONE, 60)
    assert job_now(queued).status == ExportStatus.REQUESTED  # nobody will ever take it by itself
    settings.JOB_RESEND_AFTER_SECONDS = 0
    from config.celery import app

    def sweep() -> None:
        app._pool = app.amqp._producer_pool = None  # this process's broker connections died with Redis
        exports.exports_sweep()
        time.sleep(2)

    wait_until(lambda: job_now(queued).status == ExportStatus.DONE, 120, every=sweep)
    assert csv_lines(queued) == csv_lines(busy) == 61
    assert worker.poll() is None  # the worker reconnected to the restarted Redis


# ------------------------------------------------------------------------------------------------ a stuck statement


def test_a_statement_stuck_on_a_lock_fails_the_export_and_the_worker_lives_on(workers, alice, tree):
    data = dashboard_data_build(tree)
    worker = workers(pool="prefork", env={"EXPORT_SOFT_TIME_LIMIT": "5"})
    db = django_settings.DATABASES["default"]
    blocker = psycopg2.connect(dbname=db["NAME"], user=db["USER"], password=db.get("PASSWORD") or "", host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432)
    try:
        with blocker.cursor() as cursor:
            cursor.execute("LOCK TABLE surveys_response IN ACCESS EXCLUSIVE MODE")
        stuck = ExportJob.objects.create(requested_by=alice, campaign=data.campaign, kind="raw_csv")
        exports._enqueue(stuck.pk)
        took = wait_until(lambda: job_now(stuck).status == ExportStatus.FAILED, 60)
        assert took < 30 and ("quá thời gian" in stuck.error.lower() or "Quá thời gian" in stuck.error), stuck.error
    finally:
        blocker.rollback()
        blocker.close()
    after = ExportJob.objects.create(requested_by=alice, campaign=data.campaign, kind="raw_csv")
    exports._enqueue(after.pk)
    wait_until(lambda: job_now(after).status == ExportStatus.DONE, 60)
    assert worker.poll() is None and csv_lines(after) == 61
