from celery import shared_task

from units.models import AuditEntry


@shared_task
def record_heartbeat(note: str) -> int:
    """Write one audit row: the smallest job that proves a worker reaches the database."""
    entry = AuditEntry.objects.create(action="system.heartbeat", object_type="system", object_id="-", object_repr=note[:255])
    return entry.pk
