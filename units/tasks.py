import socket

from celery import shared_task
from django.conf import settings

from units.heartbeats import heartbeat_record, worker_heartbeat_name
from units.models import AuditEntry


@shared_task
def record_heartbeat(note: str) -> int:
    """Write one audit row: the smallest job that proves a worker reaches the database."""
    entry = AuditEntry.objects.create(action="system.heartbeat", object_type="system", object_id="-", object_repr=note[:255])
    return entry.pk


@shared_task(name="units.tasks.worker_heartbeat", soft_time_limit=20, time_limit=30, ignore_result=True)
def worker_heartbeat(queue: str) -> None:
    """Sent by beat to each queue every 30 s: the worker that takes it notes that the queue is served."""
    heartbeat_record(name=worker_heartbeat_name(queue), host=socket.gethostname())


# A large import's time limits (IMPORT_SOFT_TIME_LIMIT, default 3000 s; the hard limit five minutes later).
# The soft limit also bounds each SQL statement, so an import stuck on a lock ends with a reason.
IMPORT_SOFT_TIME_LIMIT = int(getattr(settings, "IMPORT_SOFT_TIME_LIMIT", 3000))


@shared_task(name="units.tasks.import_run_task", bind=True, acks_late=True, soft_time_limit=IMPORT_SOFT_TIME_LIMIT, time_limit=IMPORT_SOFT_TIME_LIMIT + 300)
def import_run_task(self, job_id: int) -> str:
    """Run one Excel import job; a redelivered task finds the job claimed or done and returns. On a worker
    the job keeps a lease while it runs (units/jobs.py), so the sweep knows when its worker died."""
    from units.import_jobs import import_run

    eager = bool(self.request.is_eager)
    job = import_run(job_id=job_id, lease=not eager, time_limit=None if eager else IMPORT_SOFT_TIME_LIMIT)
    return job.status if job else "skipped"


@shared_task(name="units.tasks.imports_sweep", soft_time_limit=50, time_limit=58)
def imports_sweep() -> dict[str, int]:
    """Send again the imports whose worker died or whose message was lost; fail those that keep dying."""
    from units.import_jobs import imports_sweep as sweep

    return sweep()
