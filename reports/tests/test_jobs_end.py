"""Jobs that always end, in one process: the sweeps find exports and recompute chunks whose worker died
or whose message was lost, send them again or fail them with the reason; "Thử lại" takes stuck exports.

The same with real worker processes killed mid-job and a Redis restart: test_jobs_end_worker.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from reports import chunks, exports, tasks
from reports.models import ExportJob, ExportStatus, RecomputeChunk, RecomputeRun
from reports.selectors import index_tables, working_snapshot
from reports.services import index_recompute
from reports.tests.factories import make_campaign, make_questionnaire, make_response
from reports.tests.factories_dashboard import dashboard_fixture  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
LONG_AGO = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def eager_and_media(settings, tmp_path):
    """Tasks run in this process (also when REDIS_URL is set); files go to a temporary folder."""
    from config.celery import app

    settings.MEDIA_ROOT = tmp_path / "media"
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def running_job(user, campaign, *, heartbeat_ago: dt.timedelta, attempts: int = 1) -> ExportJob:
    """A job as a worker left it: claimed, then (maybe) dead."""
    now = timezone.now()
    return ExportJob.objects.create(
        requested_by=user, campaign=campaign, kind="raw_csv", status=ExportStatus.RUNNING, progress=40,
        started_at=now - heartbeat_ago, heartbeat_at=now - heartbeat_ago, attempts=attempts,
    )


def test_an_export_whose_worker_died_is_sent_again_and_built(alice, dashboard_data, django_capture_on_commit_callbacks):
    job = running_job(alice, dashboard_data.campaign, heartbeat_ago=LONG_AGO)
    with django_capture_on_commit_callbacks(execute=True):
        assert exports.exports_sweep() == {"requeued": 1, "failed": 0, "resent": 0}
    job.refresh_from_db()
    assert (job.status, job.attempts, job.progress, job.error) == (ExportStatus.DONE, 2, 100, "")
    assert job.file.read().decode("utf-8-sig").count("\n") == 61


def test_an_export_that_keeps_losing_its_worker_fails_with_the_reason_and_can_be_retried(
    client, alice, dashboard_data, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_MAX_ATTEMPTS = 2
    job = running_job(alice, dashboard_data.campaign, heartbeat_ago=LONG_AGO, attempts=2)
    assert exports.exports_sweep() == {"requeued": 0, "failed": 1, "resent": 0}
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and "dừng đột ngột" in job.error and "2 lần" in job.error
    client.force_login(alice)
    page = client.get(reverse("reports:export_detail", args=[job.pk])).content.decode()
    assert "dừng đột ngột" in page and 'id="export-retry" class=" mt-2"' in page
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("reports:export_retry", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (ExportStatus.DONE, 1, "")


def test_a_live_export_is_left_alone_and_thu_lai_refuses_it(client, alice, dashboard_data):
    job = running_job(alice, dashboard_data.campaign, heartbeat_ago=dt.timedelta(seconds=5))
    assert exports.exports_sweep() == {"requeued": 0, "failed": 0, "resent": 0}
    client.force_login(alice)
    status = client.get(reverse("reports:export_status", args=[job.pk])).json()
    assert (status["status"], status["stuck"], status["retryable"]) == ("running", False, False)
    client.post(reverse("reports:export_retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ExportStatus.RUNNING and job.attempts == 1


def test_thu_lai_takes_a_stuck_running_export_at_once(client, alice, dashboard_data, django_capture_on_commit_callbacks):
    job = running_job(alice, dashboard_data.campaign, heartbeat_ago=LONG_AGO)
    client.force_login(alice)
    status = client.get(reverse("reports:export_status", args=[job.pk])).json()
    assert (status["stuck"], status["retryable"]) == (True, True) and "không còn báo tiến độ" in status["label"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:export_retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE


def test_a_late_write_from_a_worker_that_lost_the_job_changes_nothing(alice, dashboard_data, django_capture_on_commit_callbacks):
    job = running_job(alice, dashboard_data.campaign, heartbeat_ago=LONG_AGO)
    with django_capture_on_commit_callbacks(execute=False):
        exports.exports_sweep()  # requeued, not yet run
    assert exports.export_claim(job_id=job.pk).attempts == 2
    exports.export_progress(job_id=job.pk, percent=90, attempt=1)
    exports.export_fail(job_id=job.pk, reason="muộn", attempt=1)
    job.refresh_from_db()
    assert (job.status, job.progress, job.error) == (ExportStatus.RUNNING, 0, "")


def test_an_export_asked_while_the_broker_is_down_waits_and_the_sweep_sends_it(
    client, alice, dashboard_data, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from config.celery import app

    task = app.tasks[exports.TASK]

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("Redis")

    client.force_login(alice)
    with monkeypatch.context() as patch:
        patch.setattr(task, "apply_async", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("reports:export_create", args=["ks-2026"]), {"kind": "raw_csv"})
    job = ExportJob.objects.get()
    assert (job.status, job.sent_at, job.error) == (ExportStatus.REQUESTED, None, "")  # not failed: it waits
    settings.JOB_RESEND_AFTER_SECONDS = 0
    status = client.get(reverse("reports:export_status", args=[job.pk])).json()
    assert status["stuck"] and "tự gửi lại" in status["label"]
    assert exports.exports_sweep()["resent"] == 1  # the broker is back
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE


def test_a_requested_export_is_sent_again_only_after_the_resend_delay(alice, dashboard_data, settings):
    settings.JOB_RESEND_AFTER_SECONDS = 300
    job = ExportJob.objects.create(requested_by=alice, campaign=dashboard_data.campaign, kind="raw_csv", sent_at=timezone.now())
    assert exports.exports_sweep()["resent"] == 0
    ExportJob.objects.filter(pk=job.pk).update(sent_at=timezone.now() - dt.timedelta(seconds=301))
    assert tasks_exports_sweep() == {"requeued": 0, "failed": 0, "resent": 1}
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE


def tasks_exports_sweep():
    from reports.tasks_exports import exports_sweep

    return exports_sweep.delay().get()


# ------------------------------------------------------------------------------------------------ chunks


@pytest.fixture
def campaign(tree):
    campaign = make_campaign(tree["A"], make_questionnaire({"A": ["A1", "A2"]}), scheme="sipas")
    for unit, level in [("A1", 5), ("A1", 2), ("A2", 4), ("A-BV", 3), ("A", 5)]:
        make_response(campaign, tree[unit], {"A1": level, "A2": 5})
    return campaign


def test_a_chunk_whose_worker_died_is_found_within_a_lease_not_fifteen_minutes(campaign, settings):
    settings.JOB_LEASE_SECONDS = 60
    chunk_ids = chunks.index_recompute_plan(campaign_id=campaign.pk)
    RecomputeChunk.objects.filter(pk=chunk_ids[0]).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=61), attempts=1)
    RecomputeChunk.objects.filter(pk=chunk_ids[1]).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=20), attempts=1)
    assert chunks.index_recompute_chunks_lost() == [chunk_ids[0]]  # the other still holds its lease
    # A redelivery of the live chunk is skipped; of the dead one, it runs.
    assert chunks.index_recompute_chunk(chunk_id=chunk_ids[1]) is False
    assert RecomputeChunk.objects.get(pk=chunk_ids[1]).done is False
    chunks.index_recompute_chunk(chunk_id=chunk_ids[0])
    assert RecomputeChunk.objects.get(pk=chunk_ids[0]).done is True


def test_the_sweep_finishes_a_run_whose_chunks_were_lost_with_exact_tables(campaign, settings):
    index_recompute(campaign.pk, full=True)
    single = index_tables(campaign)
    settings.JOB_RESEND_AFTER_SECONDS = 0  # e.g. Redis restarted: the group's messages are gone
    chunks.index_recompute_plan(campaign_id=campaign.pk)
    tasks.sweep_dirty.delay().get()
    assert RecomputeRun.objects.get().finished_at is not None
    assert index_tables(campaign) == single


def test_a_chunk_that_kills_its_worker_again_and_again_is_given_up_and_the_next_run_is_full(campaign):
    index_recompute(campaign.pk, full=True)
    chunk_ids = chunks.index_recompute_plan(campaign_id=campaign.pk)
    RecomputeChunk.objects.filter(pk=chunk_ids[0]).update(heartbeat_at=timezone.now() - LONG_AGO, attempts=3)
    assert chunks.index_recompute_chunks_lost(max_attempts=3) == []
    assert RecomputeRun.objects.get().finished_at is not None
    snapshot = working_snapshot(campaign)
    assert "ChunkLost" in snapshot.run_error and snapshot.basis == ""
    assert index_recompute(campaign.pk).mode == "full"
