"""reports.demo: the demo campaigns get computed dashboards and a published report (idempotently)."""

from __future__ import annotations

import pytest

from campaigns.models import CampaignStatus
from reports.demo import load_results_demo
from reports.models import Snapshot, SnapshotStatus
from reports.tests.factories_dashboard import dashboard_fixture  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_the_demo_results_are_computed_and_published_once(settings, tmp_path, dashboard_data):
    settings.MEDIA_ROOT = tmp_path
    campaign = dashboard_data.campaign
    campaign.status = CampaignStatus.ACTIVE
    campaign.save()
    lines = load_results_demo(computed=("ks-2026",), published=("ks-2026",))
    assert lines[-1] == "ks-2026: đã công bố phiên bản 1"
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PUBLISHED
    assert load_results_demo(computed=("ks-2026",), published=("ks-2026",))[-1] == "ks-2026: đã công bố từ trước"
    assert Snapshot.objects.filter(campaign=campaign, status=SnapshotStatus.PUBLISHED).count() == 1
