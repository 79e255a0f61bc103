"""Fresh figures in every mode: the recompute is registered wherever a change is made, a request that
cannot be sent is logged and kept for the sweep, a failed run keeps the old figures and says why, and
pages say when their figures were computed."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.models import Campaign
from campaigns.services import campaign_mark_dirty, recompute_request
from conftest import ROOT
from reports import services
from reports.freshness import freshness_of
from reports.models import IndexValue, Snapshot, SnapshotStatus
from reports.services import index_recompute
from reports.tests.factories_dashboard import dashboard_fixture, responses_add  # noqa: F401 (fixture)
from units.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_a_fresh_interpreter_set_up_like_the_server_knows_the_recompute_task():
    """The bug this guards: the web process never imported reports.tasks, so the recompute request
    found no task and returned silently (the test process imports it, so in-process tests passed)."""
    code = (
        "import django; django.setup(); from celery import current_app; "
        f"print({campaign_services.RECOMPUTE_TASK!r} in current_app.tasks)"
    )
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", "PATH": "/usr/bin:/bin", "DEBUG": "1"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "True"


def test_a_request_whose_task_cannot_be_found_is_logged_as_an_error_and_the_dirty_mark_stays(dashboard_data, monkeypatch, caplog):
    campaign = dashboard_data.campaign
    monkeypatch.setattr(campaign_services, "RECOMPUTE_TASK", "reports.tasks.no_such_task")
    campaign_mark_dirty(campaign_id=campaign.pk)
    with caplog.at_level(logging.ERROR, logger="campaigns.services"):
        assert recompute_request(campaign_id=campaign.pk) is False
    assert any(record.levelno == logging.ERROR and "no_such_task" in record.getMessage() for record in caplog.records)
    campaign.refresh_from_db()
    assert campaign.dirty_at is not None


def test_a_counted_change_refreshes_the_figures_at_once_in_the_embedded_mode(dashboard_data, tree, django_capture_on_commit_callbacks):
    campaign = dashboard_data.campaign
    before = Snapshot.objects.get(campaign=campaign, status=SnapshotStatus.WORKING)
    with django_capture_on_commit_callbacks(execute=True):
        responses_add(campaign, tree["A1"], [(1, 5)])
        campaign_mark_dirty(campaign_id=campaign.pk)
    after = Snapshot.objects.get(pk=before.pk)
    campaign.refresh_from_db()
    assert campaign.dirty_at is None
    assert after.responses == before.responses + 1 and after.computed_at > before.computed_at


def test_a_failed_recompute_keeps_the_previous_figures_marked_stale_with_the_reason(client, alice, bob, tree, dashboard_data, monkeypatch):
    campaign = dashboard_data.campaign
    working = Snapshot.objects.get(campaign=campaign, status=SnapshotStatus.WORKING)
    figures = sorted(IndexValue.objects.filter(snapshot=working).values_list("unit_id", "scope", "key", "value"))
    responses_add(campaign, tree["A1"], [(3, 1)])
    campaign_mark_dirty(campaign_id=campaign.pk)

    def broken(*args, **kwargs):
        raise RuntimeError("ổ đĩa đầy")

    monkeypatch.setattr(services, "_recompute_units", broken)
    with pytest.raises(RuntimeError):
        index_recompute(campaign.pk)
    assert sorted(IndexValue.objects.filter(snapshot=working).values_list("unit_id", "scope", "key", "value")) == figures
    campaign.refresh_from_db()
    state = freshness_of(campaign)
    assert state.waiting and state.stale and "ổ đĩa đầy" in state.error and not state.busy

    url = reverse("reports:dashboard", args=[campaign.code])
    client.force_login(alice)
    page = client.get(url).content.decode()
    assert "đang cập nhật" in page and "không thành công" in page and "ổ đĩa đầy" in page
    client.force_login(bob)  # a viewer sees that figures are being updated, not the server's error
    page = client.get(url).content.decode()
    assert "đang cập nhật" in page and "ổ đĩa đầy" not in page and "Tính lại ngay" not in page


def test_the_dashboard_and_the_unit_page_say_when_the_figures_were_computed(client, alice, dashboard_data):
    client.force_login(alice)
    state = json.loads(client.get(reverse("reports:recompute_status", args=["ks-2026"])).content)
    for url in (reverse("reports:dashboard", args=["ks-2026"]), reverse("reports:unit", args=["ks-2026", "A1"])):
        page = client.get(url).content.decode()
        assert "Số liệu tính lúc" in page and 'id="recompute-button"' in page, url
        # the page reloads itself when the polled time differs from the one it shows: they must be spelled alike
        assert f'data-computed="{state["computed_at"]}"' in page, url


def test_recompute_now_runs_a_full_recompute_and_is_audited(client, alice, tree, dashboard_data):
    campaign = dashboard_data.campaign
    working = Snapshot.objects.get(campaign=campaign, status=SnapshotStatus.WORKING)
    responses_add(campaign, tree["A2"], [(2, 5)])  # saved without a dirty mark: only a full recompute finds them
    client.force_login(alice)
    response = client.post(reverse("reports:recompute_now", args=[campaign.code]), {"next": reverse("reports:unit", args=[campaign.code, "A2"])})
    assert response.status_code == 302 and response["Location"] == reverse("reports:unit", args=[campaign.code, "A2"])
    refreshed = Snapshot.objects.get(pk=working.pk)
    assert refreshed.responses == working.responses + 2
    assert refreshed.run_requested_at is not None and refreshed.run_finished_at >= refreshed.run_requested_at
    assert AuditEntry.objects.filter(action="campaign.recompute_now", actor=alice).exists()
    state = json.loads(client.get(reverse("reports:recompute_status", args=[campaign.code])).content)
    assert state["busy"] is False and state["progress"] == 100 and state["computed_at"] == timezone.localtime(refreshed.computed_at).isoformat()


def test_recompute_now_is_for_officials_of_the_organiser(client, bob, charlie, dashboard_data):
    url = reverse("reports:recompute_now", args=["ks-2026"])
    client.force_login(bob)
    assert client.post(url).status_code == 403
    client.force_login(charlie)
    assert client.post(url).status_code == 404
    assert client.get(reverse("reports:recompute_status", args=["ks-2026"])).status_code == 404
    assert not Snapshot.objects.filter(run_requested_at__isnull=False).exists()


def test_a_run_that_never_ended_is_shown_as_lost(client, alice, dashboard_data):
    campaign = dashboard_data.campaign
    long_ago = timezone.now() - timezone.timedelta(hours=1)
    Snapshot.objects.filter(campaign=campaign, status=SnapshotStatus.WORKING).update(run_started_at=long_ago, run_finished_at=None)
    state = freshness_of(Campaign.objects.get(pk=campaign.pk))
    assert state.lost_since == long_ago and not state.busy
    client.force_login(alice)
    assert "không kết thúc" in client.get(reverse("reports:dashboard", args=[campaign.code])).content.decode()


def test_changing_how_figures_are_computed_marks_them_stale(alice, dashboard_data, django_capture_on_commit_callbacks):
    campaign = Campaign.objects.get(pk=dashboard_data.campaign.pk)
    campaign.counted_statuses = ["approved"]
    with django_capture_on_commit_callbacks(execute=False):
        campaign_services.campaign_save(campaign=campaign, actor=alice, changed=["counted_statuses"])
    campaign.refresh_from_db()
    assert campaign.dirty_at is not None
