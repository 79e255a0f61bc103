"""Celery tasks for exports: thin, they load by id and call a service (reports.exports)."""

from __future__ import annotations

from celery import shared_task

from reports import exports


@shared_task(name="reports.tasks_exports.export_run_task", acks_late=True, soft_time_limit=3000, time_limit=3300)
def export_run_task(job_id: int) -> str:
    """Build one export; a redelivered task finds the job claimed or done and returns."""
    job = exports.export_run(job_id=job_id)
    return job.status if job else "skipped"
