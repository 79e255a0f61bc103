"""Every write to campaigns that has rules."""

from __future__ import annotations

import logging

from celery import current_app
from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign

logger = logging.getLogger(__name__)

# The recompute job lives in reports (above campaigns), so it is named, never imported.
RECOMPUTE_TASK = "reports.tasks.recompute_campaign"


def campaign_mark_dirty(*, campaign_id: int) -> None:
    """Mark a campaign's indices stale and ask for a recompute once the caller's transaction commits.

    Call inside the transaction that changed counted responses. The mark is a plain column update,
    so it commits or rolls back with the change; if the broker is down the enqueue is logged and the
    periodic sweep (config/celery.py) picks the campaign up later.
    """
    Campaign.objects.filter(pk=campaign_id, dirty_at__isnull=True).update(dirty_at=timezone.now())
    transaction.on_commit(lambda: _enqueue_recompute(campaign_id))


def _enqueue_recompute(campaign_id: int) -> None:
    task = current_app.tasks.get(RECOMPUTE_TASK)
    if task is None:  # reports not loaded (e.g. a management command in a stripped environment)
        return
    try:
        task.apply_async(args=[campaign_id], retry=False)
    except Exception:  # the broker being down must never fail a submission
        logger.warning("Không gửi được yêu cầu tính lại cho đợt %s; lượt quét định kỳ sẽ xử lý.", campaign_id, exc_info=True)
