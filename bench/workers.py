"""Heavy jobs on 1 and on 2 worker processes of the heavy queue, as on 1 and on 2 machines.

    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python bench/workers.py --campaign CODE [--exports 6] [--workers 1 2]

For each worker count it starts that many `celery -A config worker -Q <heavy> --concurrency=1` processes
(plus one worker of the light queue, which plans the chunked recompute), waits until they answer a
ping, then times (a) K raw-data exports (xlsx) requested at once, until all are done, and (b) the
chunked full recompute of the campaign (REPORTS_RECOMPUTE_CHUNKS chunks on the heavy queue), until its
run is finished. Queues get names of their own, so a running deployment on the same Redis is not
disturbed. Prints one JSON line per worker count; the figures go to docs/deployment.md by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUEUE = f"bench-{os.getpid()}"
os.environ.update(DJANGO_SETTINGS_MODULE="config.settings", CELERY_QUEUE=QUEUE, CELERY_HEAVY_QUEUE=f"{QUEUE}-heavy")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)  # DEBUG off, as in production

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402

from campaigns.models import Campaign  # noqa: E402
from config.celery import app  # noqa: E402
from reports import exports, tasks  # noqa: E402
from reports.models import ExportJob, ExportStatus, RecomputeRun  # noqa: E402


def start_worker(queue: str, name: str, pool: str = "prefork") -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={pool}", "--concurrency=1", "-Q", queue,
         f"--hostname={name}@%h", "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env={**os.environ, "CONN_MAX_AGE": "0"}, start_new_session=True,
    )


def wait_for(condition, seconds: float = 1800) -> float:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > seconds:
            raise SystemExit("timed out")
        time.sleep(0.2)
    return time.monotonic() - start


def run(campaign: Campaign, user: User, workers: int, export_count: int) -> dict:
    processes = [start_worker(QUEUE, "light", pool="solo")]
    processes += [start_worker(f"{QUEUE}-heavy", f"heavy{i}") for i in range(workers)]
    try:
        names = {f"heavy{i}@" for i in range(workers)} | {"light@"}
        wait_for(lambda: {reply_name.split("@")[0] + "@" for reply in app.control.ping(timeout=1.0) for reply_name in reply} >= names, 120)
        jobs = [ExportJob.objects.create(requested_by=user, campaign=campaign, kind="raw_xlsx") for _ in range(export_count)]
        start = time.monotonic()
        for job in jobs:
            exports._enqueue(job.pk)
        pending = ExportJob.objects.filter(pk__in=[job.pk for job in jobs]).exclude(status__in=[ExportStatus.DONE, ExportStatus.FAILED])
        wait_for(lambda: not pending.exists())
        export_seconds = time.monotonic() - start
        failed = ExportJob.objects.filter(pk__in=[job.pk for job in jobs], status=ExportStatus.FAILED).count()
        for job in ExportJob.objects.filter(pk__in=[job.pk for job in jobs]):
            job.file.delete(save=False)
        ExportJob.objects.filter(pk__in=[job.pk for job in jobs]).delete()

        before = set(RecomputeRun.objects.filter(campaign=campaign).values_list("pk", flat=True))
        start = time.monotonic()
        tasks.recompute_campaign_chunked.delay(campaign.pk)
        wait_for(lambda: RecomputeRun.objects.filter(campaign=campaign, finished_at__isnull=False).exclude(pk__in=before).exists())
        recompute_seconds = time.monotonic() - start
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
    return {
        "heavy_workers": workers, "exports": export_count, "export_failed": failed, "exports_seconds": round(export_seconds, 1),
        "seconds_per_export": round(export_seconds / export_count, 2), "chunked_recompute_seconds": round(recompute_seconds, 1),
        "load_average": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaign", required=True)
    parser.add_argument("--exports", type=int, default=6)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    options = parser.parse_args()
    campaign = Campaign.objects.get(code__iexact=options.campaign)
    user = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser("bench-workers", password=None)
    responses = campaign.responses.count() if hasattr(campaign, "responses") else None
    print(json.dumps({"campaign": campaign.code, "responses": responses, "cpus": os.cpu_count()}), flush=True)
    for workers in options.workers:
        print(json.dumps(run(campaign, user, workers, options.exports)), flush=True)


if __name__ == "__main__":
    main()
