"""Recomputes through Redis and a real Celery worker give the synchronous engine's tables (PostgreSQL)."""

from __future__ import annotations

import time

import pytest

from campaigns.models import Campaign
from campaigns.services import campaign_mark_dirty
from reports import tasks
from reports.models import IndexValue, RecomputeRun, Tally
from reports.selectors import index_tables
from reports.services import index_recompute
from reports.tests.factories import campaign_across_channels, make_response

pytestmark = pytest.mark.services


def wait_for(condition, seconds: float = 60) -> None:
    """Poll the database until the worker's work shows (the worker is another process)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("Worker không hoàn thành trong thời gian chờ.")
        time.sleep(0.2)


def test_a_real_worker_recomputes_via_the_queue_exactly_like_the_synchronous_engine(celery_worker_process, tree):
    campaign = campaign_across_channels(tree)
    index_recompute(campaign.pk, full=True)
    synchronous = index_tables(campaign)

    # The nightly path: chunks per child of the organiser on the worker, from empty tables.
    Tally.objects.filter(campaign=campaign).delete()
    IndexValue.objects.filter(snapshot__campaign=campaign).delete()
    tasks.recompute_campaign_chunked.delay(campaign.pk)
    wait_for(lambda: RecomputeRun.objects.filter(campaign=campaign, finished_at__isnull=False).exists())
    assert index_tables(campaign) == synchronous

    # The submission path: a new response marks the campaign dirty and the on-commit task catches up.
    make_response(campaign, tree["A2"], {"A1": 2, "A2": 2, "B1": 2})
    campaign_mark_dirty(campaign_id=campaign.pk)  # autocommit: on_commit enqueues at once
    wait_for(lambda: Campaign.objects.get(pk=campaign.pk).dirty_at is None)
    queued = index_tables(campaign)
    index_recompute(campaign.pk, full=True)
    assert index_tables(campaign) == queued
