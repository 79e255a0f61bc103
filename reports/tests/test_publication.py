"""Publication: an immutable versioned snapshot with a checksum, its workbook, the public page."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from campaigns.models import CampaignStatus
from reports.models import IndexValue, Snapshot, SnapshotStatus
from reports.publication import PublicationError, campaign_results_publish, snapshot_checksum, snapshot_verify
from reports.services import index_recompute
from reports.tests.factories_dashboard import dashboard_fixture, responses_add  # noqa: F401 (fixture)
from units.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_publishing_copies_the_working_values_into_version_one_with_a_checksum(alice, dashboard_data):
    campaign = dashboard_data.campaign
    snapshot = campaign_results_publish(campaign_id=campaign.pk, actor=alice)
    assert (snapshot.status, snapshot.version, snapshot.published_by) == (SnapshotStatus.PUBLISHED, 1, alice)
    working = Snapshot.objects.get(campaign=campaign, status=SnapshotStatus.WORKING)
    assert IndexValue.objects.filter(snapshot=snapshot).count() == IndexValue.objects.filter(snapshot=working).count() > 0
    assert len(snapshot.checksum) == 64 and snapshot_verify(snapshot)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PUBLISHED
    assert AuditEntry.objects.filter(action="campaign.results_publish", object_id=str(campaign.pk)).exists()
    book = load_workbook(io.BytesIO(snapshot.workbook.read()))
    assert book["Tổng hợp"]["B18"].value == snapshot.checksum


def test_a_changed_published_value_no_longer_matches_its_checksum(alice, dashboard_data):
    snapshot = campaign_results_publish(campaign_id=dashboard_data.campaign.pk, actor=alice)
    IndexValue.objects.filter(snapshot=snapshot, scope="overall").update(value=99)
    assert not snapshot_verify(snapshot)
    assert snapshot_checksum(snapshot) != snapshot.checksum


def test_republishing_makes_a_new_version_and_keeps_the_old_one_readable(client, alice, tree, dashboard_data):
    campaign = dashboard_data.campaign
    first = campaign_results_publish(campaign_id=campaign.pk, actor=alice)
    responses_add(campaign, tree["A2"], [(20, 5)])  # late corrections, recomputed
    index_recompute(campaign.pk, full=True)
    second = campaign_results_publish(campaign_id=campaign.pk, actor=alice)
    assert second.version == 2 and second.checksum != first.checksum
    assert snapshot_verify(first) and snapshot_verify(second)
    latest = client.get(reverse("reports:public_results", args=[campaign.code])).content.decode()
    old = client.get(reverse("reports:public_version", args=[campaign.code, 1])).content.decode()
    assert "phiên bản 2" in latest and "75,00%" not in latest
    assert "phiên bản 1" in old and "75,00%" in old and "Đây là một phiên bản cũ" in old


def test_an_active_campaign_or_one_without_values_cannot_be_published(alice, dashboard_data):
    campaign = dashboard_data.campaign
    campaign.status = CampaignStatus.ACTIVE
    campaign.save()
    with pytest.raises(PublicationError, match="đã kết thúc"):
        campaign_results_publish(campaign_id=campaign.pk, actor=alice)
    campaign.status = CampaignStatus.CLOSED
    campaign.save()
    IndexValue.objects.filter(snapshot__campaign=campaign).delete()
    with pytest.raises(PublicationError, match="chưa có số liệu"):
        campaign_results_publish(campaign_id=campaign.pk, actor=alice)
    assert not Snapshot.objects.filter(campaign=campaign, status=SnapshotStatus.PUBLISHED).exists()


def test_an_official_publishes_from_the_dashboard(client, alice, dashboard_data):
    client.force_login(alice)
    response = client.post(reverse("reports:publish", args=["ks-2026"]))
    assert response.status_code == 302 and response["Location"] == reverse("reports:public_results", args=["ks-2026"])
    assert Snapshot.objects.filter(campaign=dashboard_data.campaign, status=SnapshotStatus.PUBLISHED, version=1).exists()


def test_a_refused_publication_says_why_on_the_dashboard(client, alice, dashboard_data):
    dashboard_data.campaign.status = CampaignStatus.ACTIVE
    dashboard_data.campaign.save()
    client.force_login(alice)
    response = client.post(reverse("reports:publish", args=["ks-2026"]), follow=True)
    assert "Chỉ công bố được đợt đã kết thúc khảo sát" in response.content.decode()


def test_publication_permissions(client, bob, charlie, dashboard_data):
    url = reverse("reports:publish", args=["ks-2026"])
    client.force_login(bob)
    assert client.post(url).status_code == 403
    client.force_login(charlie)
    assert client.post(url).status_code == 404
    assert not Snapshot.objects.filter(status=SnapshotStatus.PUBLISHED).exists()
