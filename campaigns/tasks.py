"""Celery tasks of campaigns: thin wrappers that call a service. The schedule lives in config/celery.py."""

from __future__ import annotations

from celery import shared_task

from campaigns.privacy import personal_data_purge
from units.access import SYSTEM


@shared_task(name="campaigns.tasks.purge_personal_data", acks_late=True, soft_time_limit=600, time_limit=660)
def purge_personal_data() -> int:
    """Erase the frames of campaigns published more than PERSONAL_DATA_RETENTION_DAYS ago (idempotent:
    a purged campaign is claimed once). Returns how many people's data was erased."""
    return sum(result.people for result in personal_data_purge(actor=SYSTEM))
