import socket

from celery import shared_task

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


@shared_task(name="units.tasks.import_run_task", acks_late=True, soft_time_limit=3000, time_limit=3300)
def import_run_task(job_id: int) -> str:
    """Run one Excel import job; a redelivered task finds the job claimed or done and returns."""
    from units.import_jobs import import_run

    job = import_run(job_id=job_id)
    return job.status if job else "skipped"
