"""Celery tasks for exports: thin, they load by id and call a service (reports.exports)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from reports import exports

# The export's time limits (EXPORT_SOFT_TIME_LIMIT, default 3000 s; the hard limit a minute later).
# The soft limit also bounds each SQL statement, so a query stuck on a lock ends this job with a reason
# and leaves the worker's process alive (the hard limit would kill it).
SOFT_TIME_LIMIT = int(getattr(settings, "EXPORT_SOFT_TIME_LIMIT", 3000))


@shared_task(name="reports.tasks_exports.export_run_task", bind=True, acks_late=True, soft_time_limit=SOFT_TIME_LIMIT, time_limit=SOFT_TIME_LIMIT + 60)
def export_run_task(self, job_id: int) -> str:
    """Build one export; a redelivered task finds the job claimed or done and returns. On a worker the
    job keeps a lease while it runs (units/jobs.py), so the sweep knows when its worker died."""
    eager = bool(self.request.is_eager)
    job = exports.export_run(job_id=job_id, lease=not eager, time_limit=None if eager else SOFT_TIME_LIMIT)
    return job.status if job else "skipped"


@shared_task(name="reports.tasks_exports.exports_sweep", soft_time_limit=50, time_limit=58)
def exports_sweep() -> dict[str, int]:
    """Send again the exports whose worker died or whose message was lost; fail those that keep dying."""
    return exports.exports_sweep()
