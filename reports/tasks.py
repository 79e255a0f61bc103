"""Celery tasks of the index engine: thin wrappers that load by id and call a service.

Every task is idempotent (a redelivered task finds its work done or redoes it to the same tables),
acknowledged late (a killed worker's task is delivered again) and retried only on transient
database or broker errors. The schedule lives in config/celery.py.
"""

from __future__ import annotations

import logging

from celery import group, shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from campaigns.models import Campaign, CampaignStatus
from reports.chunks import index_recompute_chunk, index_recompute_chunks_lost, index_recompute_plan, index_runs_prune
from reports.models import ExportJob
from reports.services import index_recompute
from surveys.quality.outliers import enumerator_outliers_flag
from units.access import SYSTEM

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError, BrokerError)
# A chunk whose worker died is sent again once its lease lapses (JOB_LEASE_SECONDS, units/jobs.py),
# at most this many times in all; then the run is given up and the next recompute is a full one.
CHUNK_MAX_ATTEMPTS = 3

RETRYING = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="reports.tasks.recompute_campaign", soft_time_limit=300, time_limit=360, **RETRYING)
def recompute_campaign(campaign_id: int, full: bool = False) -> str | None:
    """Bring one campaign's indices up to date (incremental when it is dirty, everything with `full`);
    enqueued on commit of a counted change, by the sweep and by the "Tính lại ngay" button."""
    summary = index_recompute(campaign_id, full=full)
    if summary is not None and summary.mode != "up_to_date":
        # Enumerator outliers need the whole campaign's responses: flagged after each recompute that found a
        # change (surveys.quality.outliers); a redelivered task finds nothing new and flags nothing new.
        enumerator_outliers_flag(campaign_id=campaign_id, actor=SYSTEM)
    return summary.mode if summary else None


@shared_task(name="reports.tasks.recompute_campaign_chunked", soft_time_limit=60, time_limit=90, **RETRYING)
def recompute_campaign_chunked(campaign_id: int) -> int:
    """Start a full recompute split per child of the organiser; the chunks run as a group on the workers
    of the heavy queue (config/celery.py routes them)."""
    chunk_ids = index_recompute_plan(campaign_id=campaign_id)
    if chunk_ids:
        group(recompute_chunk.s(chunk_id) for chunk_id in chunk_ids).apply_async()
    return len(chunk_ids)


@shared_task(bind=True, name="reports.tasks.recompute_chunk", soft_time_limit=600, time_limit=660, **RETRYING)
def recompute_chunk(self, chunk_id: int) -> bool:
    """Re-tally one chunk; the last chunk to finish rebuilds roll-ups and index values. On a worker the
    chunk keeps a lease while it runs, so that the sweep sends it again soon after its worker died."""
    return index_recompute_chunk(chunk_id=chunk_id, lease=not self.request.is_eager)


@shared_task(name="reports.tasks.sweep_dirty", soft_time_limit=50, time_limit=58, **RETRYING)
def sweep_dirty() -> int:
    """Ask for a recompute of every campaign still marked dirty (e.g. after a broker outage), and send
    again the chunks of chunked runs whose worker died or whose message was lost."""
    campaign_ids = list(Campaign.objects.filter(dirty_at__isnull=False).order_by("dirty_at").values_list("pk", flat=True))
    for campaign_id in campaign_ids:
        recompute_campaign.apply_async(args=[campaign_id])
    for chunk_id in index_recompute_chunks_lost(max_attempts=CHUNK_MAX_ATTEMPTS):
        recompute_chunk.apply_async(args=[chunk_id])
    return len(campaign_ids)


@shared_task(name="reports.tasks.recompute_all", soft_time_limit=120, time_limit=150, **RETRYING)
def recompute_all() -> int:
    """Nightly: recompute every campaign that is not archived from scratch, chunked, and prune old runs."""
    index_runs_prune()
    campaign_ids = list(Campaign.objects.exclude(status=CampaignStatus.ARCHIVED).values_list("pk", flat=True))
    for campaign_id in campaign_ids:
        recompute_campaign_chunked.apply_async(args=[campaign_id])
    return len(campaign_ids)


@shared_task(name="reports.tasks.expire_exports", soft_time_limit=120, time_limit=150, **RETRYING)
def expire_exports() -> int:
    """Delete the files of exports whose time is up; the rows stay as a record."""
    expired = ExportJob.objects.filter(expires_at__lte=timezone.now()).exclude(file="")
    count = 0
    for job in expired.iterator():
        job.file.delete(save=False)
        ExportJob.objects.filter(pk=job.pk).update(file="")
        count += 1
    return count
