"""The Celery app, its queues and the whole periodic schedule, one comment per entry.

Two queues: light jobs (recompute after a submission, sweeps, heartbeats) on `CELERY_QUEUE` (default
"celery") and heavy ones (exports, the chunks of a full recompute, large imports) on `CELERY_HEAVY_QUEUE` (default
"heavy"), so that a machine added for heavy work serves only that queue (docs/deployment.md) and a long
export never delays a recompute. Naming the queues by environment lets several deployments, or a
test, share one Redis.
"""

from __future__ import annotations

import logging
import os
import socket
import time

from celery import Celery
from celery.beat import PersistentScheduler
from celery.schedules import crontab
from celery.signals import task_prerun

from config.env import env_int
from config.request_id import task_id_as_request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "celery")
HEAVY_QUEUE = os.environ.get("CELERY_HEAVY_QUEUE", "heavy")
HEAVY_TASKS = ("reports.tasks_exports.export_run_task", "reports.tasks.recompute_chunk", "units.tasks.import_run_task")


def task_routes(heavy_queue: str) -> dict[str, dict[str, str]]:
    """Heavy tasks to `heavy_queue`; everything else to the default queue."""
    return {name: {"queue": heavy_queue} for name in HEAVY_TASKS}


app = Celery("hailong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_default_queue = DEFAULT_QUEUE
app.conf.task_routes = task_routes(HEAVY_QUEUE)
app.conf.beat_scheduler = "config.celery:HeartbeatScheduler"
app.autodiscover_tasks()
task_prerun.connect(task_id_as_request_id, weak=False)  # a task's log lines carry its id (config/request_id.py)

app.conf.beat_schedule = {
    # Recompute whatever campaigns are still marked dirty (catches up after a broker outage or a failed run),
    # and send again the chunks of a chunked recompute whose worker died (lapsed lease) or whose message was
    # lost; the interval bounds how stale a dashboard can be after an outage (RECOMPUTE_SWEEP_SECONDS, default 20).
    "sweep-dirty-campaigns": {"task": "reports.tasks.sweep_dirty", "schedule": float(env_int("RECOMPUTE_SWEEP_SECONDS", 20))},
    # Send again exports whose worker died or whose message was lost; fail those that keep killing workers.
    "sweep-exports": {"task": "reports.tasks_exports.exports_sweep", "schedule": 60.0},
    # Send again large imports whose worker died or whose message was lost; fail those that keep killing workers.
    "sweep-imports": {"task": "units.tasks.imports_sweep", "schedule": 60.0},
    # Recompute every active campaign from scratch every night at 02:00 (Asia/Ho_Chi_Minh).
    "nightly-full-recompute": {"task": "reports.tasks.recompute_all", "schedule": crontab(hour=2, minute=0)},
    # Delete export files whose time is up.
    "expire-exports": {"task": "reports.tasks.expire_exports", "schedule": crontab(minute=15)},
    # Erase frames' names, phones and addresses PERSONAL_DATA_RETENTION_DAYS after publication, daily at 03:30 (audited).
    "purge-personal-data": {"task": "campaigns.tasks.purge_personal_data", "schedule": crontab(hour=3, minute=30)},
    # Improvement plans: create those newly published campaigns require, remind units before and after the due date (08:00).
    "plan-reminders": {"task": "plans.tasks.plan_reminders", "schedule": crontab(hour=8, minute=0)},
    # Recurring self-surveys: the draft campaign of each period that has begun (06:30).
    "self-surveys-due": {"task": "plans.tasks.self_surveys_make", "schedule": crontab(hour=6, minute=30)},
    # A sign of life from a worker of the light queue, for /healthz (config/health.py).
    "heartbeat-worker": {"task": "units.tasks.worker_heartbeat", "schedule": 30.0, "args": [DEFAULT_QUEUE], "options": {"queue": DEFAULT_QUEUE, "expires": 60}},
    # The same from a worker of the heavy queue (a busy heavy worker answers late: /healthz allows for it).
    "heartbeat-heavy-worker": {"task": "units.tasks.worker_heartbeat", "schedule": 30.0, "args": [HEAVY_QUEUE], "options": {"queue": HEAVY_QUEUE, "expires": 60}},
}


class HeartbeatScheduler(PersistentScheduler):
    """Celery beat's own scheduler that also records beat's sign of life for /healthz (at most every 10 s)."""

    _last_beat = 0.0

    def tick(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if time.monotonic() - self._last_beat >= 10:
            self._last_beat = time.monotonic()
            try:
                import django

                django.setup()
                from units.heartbeats import BEAT, heartbeat_record

                heartbeat_record(name=BEAT, host=socket.gethostname())
            except Exception:  # the database being down must not stop beat: /healthz shows it
                logging.getLogger(__name__).warning("Không ghi được nhịp của beat", exc_info=True)
                self._last_beat = 0.0
        return min(super().tick(*args, **kwargs), 10.0)
